"""Recording messages and what becomes of them: each drafted message is rendered in its
recipient's language and stored under its unique key before anything is sent; the mail
dispatcher sends it afterwards and each attempt's outcome is written back here.

A redelivered event drafts the same keys and records nothing new; a service killed between
recording and sending sends on restart what it recorded. The scheduler and the digest record
their messages here too.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from prometheus_client import Counter

from academy_contracts.envelope import Envelope
from academy_contracts.events import AcademyEvent, EditionPublished
from academy_kit import erasure, telemetry
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay, envelope
from academy_notification.adapters.messages import MESSAGES, MessageStore
from academy_notification.domain import drafting
from academy_notification.domain.claims import ClaimFacts
from academy_notification.domain.delivery import (
    Outcome,
    attempt,
    notification_delivered,
    notification_failed,
)
from academy_notification.domain.drafting import Known, Links, Team
from academy_notification.domain.messages import Draft, Status, message_id
from academy_notification.domain.rendering import Renderer

log = logging.getLogger(__name__)

unaddressed_total = Counter(
    "academy_notification_unaddressed_total",
    "Events whose recipients the service does not know (no message recorded)",
    ["type"],
)


class MessageRecords(Protocol):
    """Where messages are recorded (:class:`~academy_notification.adapters.messages.
    MessageStore`; an in-memory one in the fast tests)."""

    async def known(self, ids: list[str]) -> set[str]: ...

    async def record(self, docs: list[Document]) -> int: ...


class Knowledge(Protocol):
    """What drafting needs to know (:class:`~academy_notification.adapters.projections.
    ProjectionStore`; an in-memory one in the fast tests)."""

    async def team(self, application_id: str) -> Team | None: ...

    async def get_edition(self, edition_id: str) -> EditionPublished | None: ...

    async def claim(self, claim_id: str) -> ClaimFacts | None: ...


@dataclass(frozen=True)
class Recording:
    messages: MessageRecords
    renderer: Renderer
    mail_domain: str
    """The domain of the messages' RFC 5322 Message-ID (the sender's)."""
    wake_sender: Callable[[], None]

    async def record(
        self,
        source_id: str,
        source_type: str,
        drafts: list[Draft],
        *,
        known: set[str] | None = None,
    ) -> int:
        """Render and record the drafts not recorded yet; how many were new. Drafts already
        recorded are not even rendered: the scheduler drafts the same messages at every sweep.
        Nothing is recorded for a person whose data was erased (their address is a
        placeholder).
        ``known`` is which of their keys are recorded, when the caller has just read it (a key
        recorded since is still recorded once: the insert skips it)."""
        drafts = [d for d in drafts if not erasure.is_erased_address(d.recipient.email)]
        if not drafts:
            return 0
        keys = [message_id(source_id, d.recipient.email, d.template) for d in drafts]
        if known is None:
            known = await self.messages.known(keys)
        created = now()
        docs = [
            self._document(key, source_id, source_type, draft, created)
            for key, draft in zip(keys, drafts, strict=True)
            if key not in known
        ]
        new = await self.messages.record(docs)
        if new:
            self.wake_sender()
        return new

    def _document(
        self, key: str, source_id: str, source_type: str, draft: Draft, created: datetime
    ) -> Document:
        recipient = draft.recipient
        rendered = self.renderer.render(draft.template, recipient.language, draft.context)
        return {
            "_id": key,
            "source_event_id": source_id,
            "source_type": source_type,
            "template": draft.template.value,
            "language": recipient.language.value,
            "recipient": recipient.email,
            "recipient_name": recipient.name,
            "participant_id": recipient.participant_id,
            "application_id": draft.application_id,
            "subject": rendered.subject,
            "body": rendered.body,
            "rfc_message_id": f"<{_message_id_local(key)}@{self.mail_domain}>",
            "status": Status.PENDING.value,
            "attempts": 0,
            "next_attempt_at": created,
            "created_at": created,
            "last_error": None,
            "log": [],
            "trace": telemetry.carrier(),
        }


@dataclass(frozen=True)
class EventMessages:
    """The messages an event causes: what is known of its application and edition is read,
    the messages drafted (:mod:`academy_notification.domain.drafting`) and recorded."""

    views: Knowledge
    recording: Recording
    links: Links

    async def draft_and_record(self, envelope: Envelope[AcademyEvent]) -> None:
        event = envelope.data
        claim_id = getattr(event, "claim_id", None)
        known = Known(
            await self.views.team(event.application_id),
            await self.views.get_edition(event.edition_id),
            await self.views.claim(claim_id) if claim_id else None,
        )
        drafts = drafting.drafts(event, known, self.links.at(envelope.time))
        if drafts is None:
            # nobody to write to; counted and logged so staff can see it
            unaddressed_total.labels(type(event).__name__).inc()
            log.warning("no known recipient for %s %s", type(event).__name__, event.key)
            return
        # An event is nearly always handled once: its messages are rendered and inserted
        # without first reading which are recorded (a read per recipient); the insert refuses
        # the keys of a redelivery, which records nothing twice.
        await self.recording.record(envelope.id, envelope.type, drafts, known=set())


@dataclass(frozen=True)
class MailOutcomes:
    """What each delivery attempt of a message leaves in its document (the dispatcher reports
    them): its final outcome writes its NotificationDelivered or NotificationFailed into the
    same update (the outbox), so the event exists exactly when the status says so; every
    attempt goes to the message's log, and ``last_error`` is the error of its current status
    only."""

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


def _message_id_local(key: str) -> str:
    """A Message-ID local part from the unique key: stable, and only allowed characters."""
    return "".join(c if c.isalnum() or c in "-._" else "." for c in key)
