"""Integrator webhooks: every event of a subscribed type becomes one delivery per subscription,
recorded (keyed by event id and subscription, so a redelivered event is delivered once) before
the webhook dispatcher POSTs it (:mod:`academy_notification.adapters.webhook_sender`) and each
attempt's outcome is written back here."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit import telemetry
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.delivery import Outcome, attempt
from academy_notification.domain.failures import SubscriptionNotFound, TargetRefused
from academy_notification.domain.messages import Status
from academy_notification.domain.targets import TargetPolicy


@dataclass(frozen=True)
class Webhooks:
    store: WebhookStore
    wake_sender: Callable[[], None]

    async def forward(self, envelope: Envelope[IntegrationEvent]) -> None:
        """Record a delivery of the event to each subscription that wants its type."""
        created = now()
        new = False
        for subscription in await self.store.subscribers(envelope.type):
            new |= await self.store.record(
                {
                    "_id": f"{envelope.id}:{subscription['_id']}",
                    "subscription_id": subscription["_id"],
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "body": envelope.to_structured_json(),
                    "status": Status.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": created,
                    "created_at": created,
                    "log": [],
                    "trace": telemetry.carrier(),
                }
            )
        if new:
            self.wake_sender()


@dataclass(frozen=True)
class WebhookSubscriptions:
    """Integrators' subscriptions, managed by admins; a URL the target policy refuses is not
    subscribed."""

    store: WebhookStore
    policy: TargetPolicy

    async def subscribe(
        self, url: str, event_types: list[str], secret: str, description: str | None
    ) -> Document:
        problem = self.policy.url_problem(url)
        if problem is not None:
            raise TargetRefused(problem)
        doc = {
            "_id": uuid.uuid4().hex,
            "url": url,
            "event_types": event_types,
            "secret": secret,
            "description": description,
            "created_at": now(),
        }
        await self.store.subscribe(doc)
        return doc

    async def all(self) -> list[Document]:
        return await self.store.subscriptions()

    async def unsubscribe(self, subscription_id: str) -> None:
        """Stop deliveries; those still pending fail as 'the subscription was removed'."""
        if not await self.store.unsubscribe(subscription_id):
            raise SubscriptionNotFound(subscription_id)

    async def deliveries(self, subscription_id: str) -> list[Document]:
        """The subscription's delivery log, oldest first."""
        if await self.store.subscription(subscription_id) is None:
            raise SubscriptionNotFound(subscription_id)
        return await self.store.deliveries(subscription_id)


@dataclass(frozen=True)
class WebhookOutcomes:
    """What each delivery attempt of a webhook call leaves in its delivery record (logged as
    for messages)."""

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
