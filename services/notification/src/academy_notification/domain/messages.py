"""What the service sends: the message kinds (one template each, in French and English), who a
message goes to, and the unique key that makes every message exist once.

A message is identified by (source event id, recipient, template): an event redelivered, or
replayed after a crash, maps to the same keys, so recording its messages again changes nothing.
Scheduled messages (reminders, warnings, digests) use a synthetic source id naming what they are
about (``reminder:<edition>:<session>``, ``missed:<edition>:<session>``, ``digest:<day>``), which
makes them unique the same way: every sweep of the scheduler, before or after a restart, drafts
the same keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from academy_contracts.values import Language, Participant


class Template(StrEnum):
    APPLICATION_RECEIVED = "application_received"
    APPLICATION_UPDATED = "application_updated"
    APPLICATION_WITHDRAWN = "application_withdrawn"
    NOT_ELIGIBLE = "not_eligible"
    SELECTED = "selected"
    WAITLISTED = "waitlisted"
    NOT_SELECTED = "not_selected"
    SESSION_REMINDER = "session_reminder"
    MISSED_SESSION = "missed_session"
    CLAIM_RECEIVED = "claim_received"
    DOCUMENTS_MISSING = "documents_missing"
    REIMBURSEMENT_APPROVED = "reimbursement_approved"
    REIMBURSEMENT_PAID = "reimbursement_paid"
    DIGEST = "digest"
    LINK_REQUESTED = "link_requested"


class Status(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Recipient:
    email: str
    name: str
    language: Language
    participant_id: str | None = None

    @classmethod
    def of(cls, participant: Participant) -> Recipient:
        return cls(
            participant.email.lower(),
            participant.full_name,
            participant.language,
            participant.participant_id,
        )


@dataclass(frozen=True)
class Draft:
    """A message to render and record: its template, recipient and what the template quotes."""

    template: Template
    recipient: Recipient
    context: dict[str, Any] = field(default_factory=dict)
    application_id: str | None = None


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def message_id(source_event_id: str, recipient: str, template: Template) -> str:
    """The unique key of a message."""
    return f"{source_event_id}:{recipient.lower()}:{template.value}"
