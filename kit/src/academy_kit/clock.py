"""The services' clock: UTC instants at the precision BSON dates keep, so an instant compares
equal to itself once stored and read back (a redelivered event, a document and its event)."""

from __future__ import annotations

from datetime import UTC, datetime


def bson_instant(instant: datetime) -> datetime:
    """``instant`` at the precision BSON dates keep (milliseconds), so an instant compares equal
    to itself once stored and read back (a redelivered event, a document and its event)."""
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def now() -> datetime:
    """The current UTC instant at the precision BSON dates keep."""
    return bson_instant(datetime.now(UTC))
