"""How delivering one recorded item (an email, a webhook call) goes: the two kinds of failure an
attempt can meet, the wait before the next attempt, and the log entry each attempt leaves.

The senders (SMTP, HTTP) raise these failures and the dispatcher reads them, so they live below
both: an adapter never imports a handler.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from academy_contracts.events import NotificationDelivered, NotificationFailed
from academy_notification.domain.messages import Status


class TransientFailure(Exception):
    """The attempt failed for a reason that may pass (server down, timeout, 4xx)."""


class PermanentFailure(Exception):
    """The attempt failed for a reason that will not pass (recipient refused, 5xx, 410)."""


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_seconds: float

    def delay(self, attempts: int) -> timedelta:
        """The wait after ``attempts`` failed attempts: ``base``, doubling up to ``max``."""
        seconds = min(self.max_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return timedelta(seconds=seconds)


class Outcome(StrEnum):
    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"
    RESENT = "resent"
    """Not an attempt: staff put the failed item back in its queue (its log says when)."""


def attempt(at: datetime, outcome: Outcome, error: str | None = None) -> dict[str, Any]:
    """One attempt in an item's log: the item's history, while its ``status`` says where it
    stands now (a message sent at its third attempt keeps the two errors here, not as its
    current error)."""
    return {"at": at, "outcome": outcome.value, "error": error}


def resent(item: Mapping[str, Any], at: datetime) -> dict[str, Any] | None:
    """The changes that put a failed item back in its queue, due at ``at``, with a full set of
    attempts; None unless it failed: a pending item is queued already, and a sent one is never
    sent twice. So asking again, or twice at once, sends it once."""
    if item.get("status") != Status.FAILED.value:
        return None
    return {
        "status": Status.PENDING.value,
        "attempts": 0,
        "next_attempt_at": at,
        "last_error": None,
        "failed_at": None,
    }


def _outcome_fields(message: Mapping[str, Any], attempts: int) -> dict[str, Any]:
    return {
        "notification_id": message["_id"],
        "source_event_id": message["source_event_id"],
        "template": message["template"],
        "language": message["language"],
        "recipient": message["recipient"],
        "application_id": message.get("application_id"),
        "attempts": attempts,
    }


def notification_delivered(
    message: Mapping[str, Any], attempts: int, at: datetime
) -> NotificationDelivered:
    """What integrators learn when the mail server accepted a recorded message."""
    return NotificationDelivered.model_validate(
        {**_outcome_fields(message, attempts), "delivered_at": at}
    )


def notification_failed(
    message: Mapping[str, Any], attempts: int, at: datetime, error: str
) -> NotificationFailed:
    """What integrators learn when a recorded message will not be delivered."""
    return NotificationFailed.model_validate(
        {**_outcome_fields(message, attempts), "error": error[:5000], "failed_at": at}
    )
