"""From the Academy's events to the messages they cause.

Each event updates what the service remembers (applications, editions, check-ins, claims), then
its messages are drafted, rendered in each recipient's language and recorded under their unique
key before anything is sent; the mail dispatcher sends them afterwards. A redelivered event
drafts the same keys and records nothing new; a service killed between the two steps redoes
both when the event comes again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from prometheus_client import Counter

from academy_contracts import links
from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterProfile,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    DocumentsMissing,
    EditionPublished,
    ExpenseClaimed,
    IntegrationEvent,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
    RejectionReason,
    SessionAttended,
)
from academy_contracts.values import Money, Participant
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.adapters.messages import MessageStore
from academy_notification.adapters.projections import Projections
from academy_notification.domain.messages import Draft, Recipient, Status, Template, message_id
from academy_notification.domain.rendering import Renderer
from academy_notification.handlers.dispatch import Dispatcher
from academy_notification.settings import NotificationSettings

log = logging.getLogger(__name__)

ClaimStep = (
    ExpenseClaimed
    | DocumentsMissing
    | ReimbursementApproved
    | ReimbursementRejected
    | ReimbursementPaid
)

unaddressed_total = Counter(
    "academy_notification_unaddressed_total",
    "Events whose recipients the service does not know (no message recorded)",
    ["type"],
)


@dataclass(frozen=True)
class Notifier:
    messages: MessageStore
    views: Projections
    renderer: Renderer
    mail: Dispatcher
    settings: NotificationSettings

    async def on_event(self, envelope: Envelope[IntegrationEvent]) -> None:
        drafts = await self.learn(envelope.data)
        await self.record(envelope.id, envelope.type, drafts)

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
        ``known`` is which of their keys are recorded, when the caller has just read it (a key
        recorded since is still recorded once: the insert skips it)."""
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
            self.mail.kick()
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
            "rfc_message_id": f"<{_message_id_local(key)}@{self.settings.mail_from.split('@')[1]}>",
            "status": Status.PENDING.value,
            "attempts": 0,
            "next_attempt_at": created,
            "created_at": created,
            "last_error": None,
        }

    def link(self, application_id: str) -> str:
        token = links.token_for(self.settings.link_secret, application_id)
        return f"{self.settings.link_base_url.rstrip('/')}/{application_id}?token={token}"

    async def learn(self, event: IntegrationEvent) -> list[Draft]:
        """Remember what the event says and draft the messages it causes."""
        views = self.views
        match event:
            case EditionPublished():
                await views.edition(event)
            case ApplicationSubmitted():
                await views.application_content(event, revision=1)
                await views.application_submitted(event.application_id, event.submitted_at)
                return self._to_team(
                    Template.APPLICATION_RECEIVED,
                    event.application_id,
                    event.participants,
                    cluster=event.cluster,
                    submitted_at=event.submitted_at,
                    link=self.link(event.application_id),
                )
            case ApplicationUpdated():
                await views.application_content(event, revision=event.revision)
                return self._to_team(
                    Template.APPLICATION_UPDATED,
                    event.application_id,
                    event.participants,
                    cluster=event.cluster,
                    revision=event.revision,
                    updated_at=event.updated_at,
                    link=self.link(event.application_id),
                )
            case ApplicationWithdrawn():
                await views.set_status(event.application_id, "withdrawn", event.withdrawn_at)
                return await self._to_known_team(
                    Template.APPLICATION_WITHDRAWN,
                    event,
                    reason=event.reason,
                    withdrawn_at=event.withdrawn_at,
                )
            case ApplicationScreened(eligible=False):
                await views.set_status(event.application_id, "not_eligible", event.screened_at)
                return await self._to_known_team(
                    Template.NOT_ELIGIBLE,
                    event,
                    reasons=event.reasons,
                    link=self.link(event.application_id),
                )
            case ClusterSelected():
                await views.set_status(event.application_id, "selected", event.selected_at, event)
                edition = await views.get_edition(event.edition_id)
                return self._to_team(
                    Template.SELECTED,
                    event.application_id,
                    event.participants,
                    cluster=event.cluster,
                    sessions=edition.sessions if edition else [],
                    time_zone=edition.time_zone if edition else self.settings.time_zone,
                    offer_deadline=event.offer_deadline,
                    link=self.link(event.application_id),
                )
            case ClusterWaitlisted():
                await views.set_status(event.application_id, "waitlisted", event.decided_at, event)
                return self._to_team(
                    Template.WAITLISTED,
                    event.application_id,
                    event.participants,
                    cluster=event.cluster,
                    waitlist_rank=event.waitlist_rank,
                )
            case ClusterRejected():
                if event.reason is RejectionReason.NOT_ELIGIBLE:
                    await views.set_status(
                        event.application_id, "not_eligible", event.decided_at, event
                    )
                    return []  # the screening's not-eligible message already said why
                await views.set_status(event.application_id, "rejected", event.decided_at, event)
                return self._to_team(
                    Template.NOT_SELECTED,
                    event.application_id,
                    event.participants,
                    cluster=event.cluster,
                    reason=event.reason,
                )
            case SessionAttended():
                await views.checked_in(event.edition_id, event.session_id, event.participant_id)
            case ExpenseClaimed():
                return await self._claim_step(
                    event,
                    "claimed",
                    event.claimed_at,
                    Template.CLAIM_RECEIVED,
                    lines=event.lines,
                    totals=_totals([line.amount for line in event.lines]),
                    documents_count=len(event.documents),
                )
            case DocumentsMissing():
                return await self._claim_step(
                    event,
                    "documents_missing",
                    event.noted_at,
                    Template.DOCUMENTS_MISSING,
                    missing=event.missing,
                )
            case ReimbursementApproved():
                return await self._claim_step(
                    event,
                    "approved",
                    event.approved_at,
                    Template.REIMBURSEMENT_APPROVED,
                    approved=event.approved,
                    eligible=event.eligible,
                )
            case ReimbursementRejected():
                return await self._claim_step(event, "rejected", event.rejected_at, None)
            case ReimbursementPaid():
                return await self._claim_step(
                    event,
                    "paid",
                    event.paid_at,
                    Template.REIMBURSEMENT_PAID,
                    amount=event.amount,
                    payment_reference=event.payment_reference,
                    paid_at=event.paid_at,
                )
        return []

    def _to_team(
        self,
        template: Template,
        application_id: str,
        participants: Sequence[Participant],
        **context: Any,
    ) -> list[Draft]:
        """One draft per participant of the application, each in their own language."""
        recipients = [Recipient.of(p) for p in participants]
        return [Draft(template, r, {"recipient": r, **context}, application_id) for r in recipients]

    async def _to_known_team(
        self, template: Template, event: ApplicationWithdrawn | ApplicationScreened, **context: Any
    ) -> list[Draft]:
        """Drafts for the team the service remembers from the application's content."""
        doc = await self.views.application(event.application_id)
        if doc is None:
            return self._unaddressed(event)
        participants = [Participant.model_validate(p) for p in doc["participants"]]
        cluster = ClusterProfile.model_validate(doc["cluster"])
        return self._to_team(
            template, event.application_id, participants, cluster=cluster, **context
        )

    async def _claim_step(
        self,
        event: ClaimStep,
        status: str,
        at: datetime,
        template: Template | None,
        **context: Any,
    ) -> list[Draft]:
        """Remember a step of a claim (the claim itself records who claimed, for which
        application and when) and draft the message it causes to the claiming participant."""
        fields: Document = {"status": status, "updated_at": at}
        if isinstance(event, ExpenseClaimed):
            fields |= {
                "participant_id": event.participant_id,
                "application_id": event.application_id,
                "claimed_at": event.claimed_at,
            }
        await self.views.claim(event.claim_id, fields)
        if template is None:
            return []
        return await self._to_participant(template, event, claim_id=event.claim_id, **context)

    async def _to_participant(
        self, template: Template, event: ClaimStep, **context: Any
    ) -> list[Draft]:
        """A draft to the event's participant, addressed from the application that names them."""
        doc = await self.views.application(event.application_id)
        raw = next(
            (
                p
                for p in (doc or {}).get("participants", [])
                if p["participant_id"] == event.participant_id
            ),
            None,
        )
        if raw is None:
            return self._unaddressed(event)
        recipient = Recipient.of(Participant.model_validate(raw))
        context = {"recipient": recipient, **context}
        return [Draft(template, recipient, context, event.application_id)]

    def _unaddressed(self, event: IntegrationEvent) -> list[Draft]:
        """An event about an application or participant the service never heard of: there is
        nobody to write to; counted and logged so staff can see it."""
        unaddressed_total.labels(type(event).__name__).inc()
        log.warning("no known recipient for %s %s", type(event).__name__, event.key)
        return []


def _totals(amounts: list[Money]) -> list[Money]:
    """The sum per currency, in the order currencies first appear."""
    sums: dict[Any, Decimal] = defaultdict(Decimal)
    for money in amounts:
        sums[money.currency] += money.amount
    return [Money(amount=total, currency=currency) for currency, total in sums.items()]


def _message_id_local(key: str) -> str:
    """A Message-ID local part from the unique key: stable, and only allowed characters."""
    return "".join(c if c.isalnum() or c in "-._" else "." for c in key)
