"""Integrator webhooks: every event of a subscribed type becomes one delivery per subscription,
recorded (keyed by event id and subscription, so a redelivered event is delivered once) before
the webhook dispatcher POSTs it (:mod:`academy_notification.adapters.webhook_sender`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit.clock import now
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.messages import Status


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
                }
            )
        if new:
            self.wake_sender()
