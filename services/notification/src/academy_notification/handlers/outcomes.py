"""What each delivery attempt leaves behind, per channel. A message's final outcome writes its
NotificationDelivered or NotificationFailed into the same update (the outbox), so the event
exists exactly when the status says so. Messages and webhook deliveries alike keep a log of
their attempts (time, outcome, error); ``last_error`` is the error of the current status only,
so a message sent after failed attempts has none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay, envelope
from academy_notification.adapters.messages import MESSAGES, MessageStore
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.delivery import (
    Outcome,
    attempt,
    notification_delivered,
    notification_failed,
)
from academy_notification.domain.messages import Status


@dataclass(frozen=True)
class MailOutcomes:
    messages: MessageStore
    relay: OutboxRelay
    source: str
    """The CloudEvents source of the outcome events."""

    async def pending(self, limit: int) -> list[Document]:
        return await self.messages.pending(limit)

    async def delivered(self, doc: Document, attempts: int, at: datetime) -> None:
        event = notification_delivered(doc, attempts, at)
        changes = {
            "status": Status.SENT.value,
            "attempts": attempts,
            "sent_at": at,
            "last_attempt_at": at,
            "last_error": None,
        }
        entry = attempt(at, Outcome.DELIVERED)
        if await self.messages.mark(doc, changes, entry, [envelope(event, self.source)]):
            self.relay.kick(MESSAGES, doc["_id"])

    async def retry(
        self, doc: Document, attempts: int, at: datetime, next_at: datetime, error: str
    ) -> None:
        changes = {
            "attempts": attempts,
            "last_attempt_at": at,
            "next_attempt_at": next_at,
            "last_error": error,
        }
        await self.messages.mark(doc, changes, attempt(at, Outcome.RETRY, error))

    async def failed(self, doc: Document, attempts: int, at: datetime, error: str) -> None:
        event = notification_failed(doc, attempts, at, error)
        changes = {
            "status": Status.FAILED.value,
            "attempts": attempts,
            "failed_at": at,
            "last_attempt_at": at,
            "last_error": error,
        }
        entry = attempt(at, Outcome.FAILED, error)
        if await self.messages.mark(doc, changes, entry, [envelope(event, self.source)]):
            self.relay.kick(MESSAGES, doc["_id"])


@dataclass(frozen=True)
class WebhookOutcomes:
    store: WebhookStore

    async def pending(self, limit: int) -> list[Document]:
        return await self.store.pending(limit)

    async def delivered(self, doc: Document, attempts: int, at: datetime) -> None:
        await self.store.attempted(
            doc,
            {
                "status": Status.SENT.value,
                "attempts": attempts,
                "delivered_at": at,
                "last_error": None,
            },
            attempt(at, Outcome.DELIVERED),
        )

    async def retry(
        self, doc: Document, attempts: int, at: datetime, next_at: datetime, error: str
    ) -> None:
        await self.store.attempted(
            doc,
            {"attempts": attempts, "next_attempt_at": next_at, "last_error": error},
            attempt(at, Outcome.RETRY, error),
        )

    async def failed(self, doc: Document, attempts: int, at: datetime, error: str) -> None:
        await self.store.attempted(
            doc,
            {"status": Status.FAILED.value, "attempts": attempts, "last_error": error},
            attempt(at, Outcome.FAILED, error),
        )
