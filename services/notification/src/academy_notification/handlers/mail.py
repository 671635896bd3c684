"""The mail channel's outcomes: each attempt updates its message, and the final outcome writes
NotificationDelivered or NotificationFailed into that same update (the outbox), so the event
exists exactly when the status says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from academy_contracts.events import (
    NotificationDelivered,
    NotificationFailed,
)
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay, envelope
from academy_notification.adapters.messages import MessageStore
from academy_notification.domain.messages import Status
from academy_notification.settings import NotificationSettings


def _outcome_fields(doc: Document, attempts: int) -> dict[str, object]:
    return {
        "notification_id": doc["_id"],
        "source_event_id": doc["source_event_id"],
        "template": doc["template"],
        "language": doc["language"],
        "recipient": doc["recipient"],
        "application_id": doc.get("application_id"),
        "attempts": attempts,
    }


@dataclass(frozen=True)
class MailDeliveries:
    messages: MessageStore
    relay: OutboxRelay
    settings: NotificationSettings

    async def pending(self, limit: int) -> list[Document]:
        return await self.messages.pending(limit)

    async def delivered(self, doc: Document, attempts: int, at: datetime) -> None:
        event = NotificationDelivered.model_validate(
            {**_outcome_fields(doc, attempts), "delivered_at": at}
        )
        changes = {"status": Status.SENT.value, "attempts": attempts, "sent_at": at}
        if await self.messages.mark(doc, changes, [envelope(event, self.settings.source)]):
            self.relay.kick()

    async def retry(
        self, doc: Document, attempts: int, at: datetime, next_at: datetime, error: str
    ) -> None:
        changes = {
            "attempts": attempts,
            "last_attempt_at": at,
            "next_attempt_at": next_at,
            "last_error": error,
        }
        await self.messages.mark(doc, changes)

    async def failed(self, doc: Document, attempts: int, at: datetime, error: str) -> None:
        event = NotificationFailed.model_validate(
            {**_outcome_fields(doc, attempts), "error": error[:5000], "failed_at": at}
        )
        changes = {
            "status": Status.FAILED.value,
            "attempts": attempts,
            "failed_at": at,
            "last_attempt_at": at,
            "last_error": error,
        }
        if await self.messages.mark(doc, changes, [envelope(event, self.settings.source)]):
            self.relay.kick()
