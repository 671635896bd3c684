"""Admin routes that put a failed email or webhook call back in its queue (``academy resend``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from academy_contracts.roles import Role
from academy_kit import web
from academy_kit.auth import StaffOnly
from academy_notification.handlers.resending import Resend, Resending

router = APIRouter(tags=["resending"], dependencies=[Depends(StaffOnly(Role.ADMIN))])
ResendingDep = Annotated[Resending, Depends(web.wired("resending", Resending))]


class Resent(BaseModel):
    id: str
    status: str
    """``pending`` once queued again; ``sent`` if it was delivered (never sent twice)."""
    resent: bool
    """Whether this request queued it again: false when it was not failed."""

    @classmethod
    def of(cls, done: Resend) -> Resent:
        return cls(id=done.id, status=done.status, resent=done.resent)


@router.post("/v1/messages/{message_id}/resend")
async def resend_message(message_id: str, resending: ResendingDep) -> Resent:
    """Send a failed message again, once its cause is mended; asking again changes nothing."""
    return Resent.of(await resending.resend_message(message_id))


@router.post("/v1/webhooks/deliveries/{delivery_id}/resend")
async def resend_delivery(delivery_id: str, resending: ResendingDep) -> Resent:
    """Make a failed webhook delivery again; asking again changes nothing."""
    return Resent.of(await resending.resend_delivery(delivery_id))
