"""Staff (through the operators' ``academy resend``) putting a failed email or webhook call back
in its queue once the cause is mended: a mailbox fixed, an integrator's endpoint back.

The item keeps its identity (the same message id and RFC 5322 Message-ID, the same delivery of
the same event), so a mail store or an integrator that did receive it after all recognises it.
The failure event already published (NotificationFailed) stays: integrators then learn the
NotificationDelivered of the resend, as for any message that is retried."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.adapters.messages import MessageStore
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.delivery import Outcome, attempt, resent
from academy_notification.domain.failures import DeliveryNotFound, MessageNotFound


@dataclass(frozen=True)
class Resend:
    """The item's status after the request, and whether this request queued it again."""

    id: str
    status: str
    resent: bool


@dataclass(frozen=True)
class Resending:
    messages: MessageStore
    hooks: WebhookStore
    wake_mail: Callable[[], None]
    wake_calls: Callable[[], None]

    async def resend_message(self, message_id: str) -> Resend:
        return await _resend(
            message_id,
            self.messages.get,
            self.messages.requeue,
            self.wake_mail,
            MessageNotFound(message_id),
        )

    async def resend_delivery(self, delivery_id: str) -> Resend:
        return await _resend(
            delivery_id,
            self.hooks.delivery,
            self.hooks.requeue,
            self.wake_calls,
            DeliveryNotFound(delivery_id),
        )


async def _resend(
    item_id: str,
    get: Callable[[str], Awaitable[Document | None]],
    requeue: Callable[[str, Document, Document], Awaitable[bool]],
    wake: Callable[[], None],
    missing: Exception,
) -> Resend:
    doc = await get(item_id)
    if doc is None:
        raise missing
    at = now()
    changes = resent(doc, at)
    if changes is not None and await requeue(item_id, changes, attempt(at, Outcome.RESENT)):
        wake()
        return Resend(item_id, changes["status"], True)
    # Not failed, or queued again meanwhile by another request: nothing more to do.
    current = await get(item_id)
    return Resend(item_id, str((current or doc)["status"]), False)
