"""The project manager's digest for admins: read it as JSON, or have it emailed now."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime, BaseModel

from academy_contracts.roles import Role
from academy_contracts.values import Language
from academy_kit import web
from academy_kit.auth import StaffOnly
from academy_kit.clock import now
from academy_notification.domain.digest import Digest, period
from academy_notification.handlers.digest import Digests

router = APIRouter(prefix="/v1/digest", tags=["digest"])
admin = Depends(StaffOnly(Role.ADMIN))


class Period(BaseModel):
    since: datetime
    until: datetime


def _period(
    since: Annotated[
        AwareDatetime | None, Query(description="Start, with its offset; 24 hours before until")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(description="End (excluded); now")] = None,
) -> Period:
    start, end = period(since, until, now())
    return Period(since=start, until=end)


PeriodQuery = Annotated[Period, Depends(_period)]


DigestsDep = Annotated[Digests, Depends(web.wired("digests", Digests))]


class DigestSent(BaseModel):
    message_id: str
    """The message's key in ``/v1/messages``, where its delivery can be followed."""
    recipient: str
    language: Language
    digest: Digest


@router.get("", dependencies=[admin])
async def read_digest(period: PeriodQuery, digests: DigestsDep) -> Digest:
    """New applications per country and sector and decisions in the period, and the expense
    claims pending now."""
    return await digests.compute(period.since, period.until)


@router.post("/send", dependencies=[admin], status_code=202)
async def send_digest(
    period: PeriodQuery,
    digests: DigestsDep,
    language: Annotated[
        Language | None, Query(description="The project manager's configured language")
    ] = None,
) -> DigestSent:
    """Email the digest of the period to the project manager now (each request sends one)."""
    key, found = await digests.send(period.since, period.until, language)
    recipient = digests.recipient(language)
    return DigestSent(
        message_id=key, recipient=recipient.email, language=recipient.language, digest=found
    )
