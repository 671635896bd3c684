"""Which messages an event causes, to whom, in which language, and with which facts.

Pure: the handler reads what the service knows (the application's team, the edition) from its
projections and passes it in as :class:`Known`; drafting decides. A draft is one message to one
person in their own language; the template and the facts in its context are all a renderer
needs. Rendering and recording are the handlers' business.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from pydantic import SecretStr

from academy_contracts import links
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
    EditionSession,
    ExpenseClaimed,
    IntegrationEvent,
    LinkRequested,
    ReimbursementApproved,
    ReimbursementPaid,
    RejectionReason,
)
from academy_contracts.values import Currency, Money, Participant, ParticipantRole
from academy_notification.domain.claims import ClaimFacts, missing_documents
from academy_notification.domain.messages import Draft, Recipient, Template

ClaimStep = ExpenseClaimed | DocumentsMissing | ReimbursementApproved | ReimbursementPaid

DRAFTED_FROM: tuple[type[IntegrationEvent], ...] = (
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ApplicationScreened,
    LinkRequested,
    ClusterSelected,
    ClusterWaitlisted,
    ClusterRejected,
    ExpenseClaimed,
    DocumentsMissing,
    ReimbursementApproved,
    ReimbursementPaid,
)
"""The event types that may cause messages (the others cause none)."""


@dataclass(frozen=True)
class Team:
    """An application's cluster and its three participants, as last submitted or decided."""

    cluster: ClusterProfile
    participants: Sequence[Participant]


@dataclass(frozen=True)
class Known:
    """What the service knew, when the event came, of the event's application, edition and
    claim."""

    team: Team | None = None
    edition: EditionPublished | None = None
    claim: ClaimFacts | None = None


@dataclass(frozen=True)
class Links:
    """Where personal links point (the web pages' ``<base_url>``) and what signs them."""

    base_url: str
    secret: SecretStr
    lifetime: timedelta = links.DEFAULT_LIFETIME

    def at(self, issued_at: datetime) -> PersonalLinks:
        """The links issued with an event: each valid for ``lifetime`` from ``issued_at``."""
        return PersonalLinks(self, issued_at)


@dataclass(frozen=True)
class PersonalLinks:
    """Each person's own link: the cluster manager's opens the application's page
    (``<base_url>/<application id>?token=…``, manager scope); a board member's opens only
    their own page (``<base_url>/<application id>/participants/<participant id>?token=…``).
    Each also carries the person's preferred language (``&lang=fr|en``), so the page opens in
    it even on a browser set to another (the web front remembers the choice in a cookie);
    the token comes first, so a link still reads ``…?token=``."""

    links: Links
    issued_at: datetime

    def to(self, application_id: str, person: Participant) -> str:
        manages = person.role == ParticipantRole.CLUSTER_MANAGER
        scope = links.Scope.MANAGER if manages else links.Scope.PARTICIPANT
        token = links.issue(
            self.links.secret,
            application_id,
            person.participant_id,
            scope,
            now=self.issued_at,
            lifetime=self.links.lifetime,
        )
        page = f"{self.links.base_url.rstrip('/')}/{application_id}"
        if not manages:
            page += f"/participants/{person.participant_id}"
        return f"{page}?{urlencode({'token': token, 'lang': person.language.value})}"


_LINK_TOKEN = re.compile(r"([?&]token=)[^\s&#]+")
MASKED = "********"


def without_link_tokens(text: str) -> str:
    """``text`` with the token of every personal link (:meth:`PersonalLinks.to`) masked: what
    staff see of a message; only the recipient's email carries the token."""
    return _LINK_TOKEN.sub(rf"\g<1>{MASKED}", text)


def drafts(event: IntegrationEvent, known: Known, links: PersonalLinks) -> list[Draft] | None:
    """The messages ``event`` causes; None when it should cause some but the service knows
    nobody to write to (an application or participant it never heard of). Every fact a message
    states about the edition (its deadline, sessions and places, and the time zone every time is
    quoted in) is that edition's, as its latest EditionPublished said."""
    found = _drafts(event, known, links)
    if found is None:
        return None
    facts = edition_facts(known.edition)
    return [replace(d, context={**facts, **d.context}) for d in found]


def edition_facts(edition: EditionPublished | None) -> dict[str, Any]:
    """What every message may quote of its edition; without the edition (an event that came
    before it), no deadline, and times in the program's zone (the renderer's default)."""
    if edition is None:
        return {"deadline": None}
    return {"deadline": edition.registration_deadline, "time_zone": edition.time_zone}


def about_session(
    template: Template,
    edition: EditionPublished,
    session: EditionSession,
    participants: Sequence[tuple[str, Participant]],
) -> list[Draft]:
    """A reminder or a missed-session warning to each of ``participants`` (with the id of
    their application), in the edition's time zone."""
    drafts = []
    for application_id, participant in participants:
        recipient = Recipient.of(participant)
        context = {**edition_facts(edition), "recipient": recipient, "session": session}
        drafts.append(Draft(template, recipient, context, application_id))
    return drafts


def _drafts(event: IntegrationEvent, known: Known, links: PersonalLinks) -> list[Draft] | None:
    match event:
        case ApplicationSubmitted():
            return _to_team(
                Template.APPLICATION_RECEIVED,
                event.application_id,
                Team(event.cluster, event.participants),
                submitted_at=event.submitted_at,
                links=links,
            )
        case ApplicationUpdated():
            return _to_team(
                Template.APPLICATION_UPDATED,
                event.application_id,
                Team(event.cluster, event.participants),
                revision=event.revision,
                updated_at=event.updated_at,
                links=links,
            )
        case ApplicationWithdrawn():
            return _to_known_team(
                Template.APPLICATION_WITHDRAWN,
                event.application_id,
                known,
                reason=event.reason,
                withdrawn_at=event.withdrawn_at,
            )
        case LinkRequested():
            if known.team is None:
                return None
            asked = event.email.lower()
            named = [p for p in known.team.participants if str(p.email).lower() == asked]
            return _to_team(
                Template.LINK_REQUESTED,
                event.application_id,
                Team(known.team.cluster, named),
                links,
                requested_at=event.requested_at,
            )
        case ApplicationScreened(eligible=False):
            return _to_known_team(
                Template.NOT_ELIGIBLE,
                event.application_id,
                known,
                reasons=event.reasons,
                links=links,
            )
        case ClusterSelected():
            edition = known.edition
            return _to_team(
                Template.SELECTED,
                event.application_id,
                Team(event.cluster, event.participants),
                sessions=edition.sessions if edition else [],
                offer_deadline=event.offer_deadline,
                links=links,
            )
        case ClusterWaitlisted():
            return _to_team(
                Template.WAITLISTED,
                event.application_id,
                Team(event.cluster, event.participants),
                waitlist_rank=event.waitlist_rank,
            )
        case ClusterRejected(reason=RejectionReason.NOT_ELIGIBLE):
            return []  # the screening's not-eligible message already said why
        case ClusterRejected():
            return _to_team(
                Template.NOT_SELECTED,
                event.application_id,
                Team(event.cluster, event.participants),
                reason=event.reason,
            )
        case ExpenseClaimed():
            return _to_participant(
                Template.CLAIM_RECEIVED,
                event,
                known,
                claimed_at=event.claimed_at,
                lines=event.lines,
                totals=totals([line.amount for line in event.lines]),
                documents_count=len(event.documents),
            )
        case DocumentsMissing():
            lines = known.claim.lines if known.claim else []
            return _to_participant(
                Template.DOCUMENTS_MISSING,
                event,
                known,
                missing=missing_documents(event.missing, lines),
            )
        case ReimbursementApproved():
            return _to_participant(
                Template.REIMBURSEMENT_APPROVED,
                event,
                known,
                approved=event.approved,
                eligible=event.eligible,
            )
        case ReimbursementPaid():
            return _to_participant(
                Template.REIMBURSEMENT_PAID,
                event,
                known,
                amount=event.amount,
                payment_reference=event.payment_reference,
                paid_at=event.paid_at,
            )
    return []


def _to_team(
    template: Template,
    application_id: str,
    team: Team,
    links: PersonalLinks | None = None,
    **context: Any,
) -> list[Draft]:
    """One draft per participant of the application, each in their own language; with
    ``links``, each carries that person's own link and whether it manages the application."""
    drafts = []
    for person in team.participants:
        r = Recipient.of(person)
        own: dict[str, Any] = {}
        if links is not None:
            own = {
                "link": links.to(application_id, person),
                "manages": person.role == ParticipantRole.CLUSTER_MANAGER,
            }
        full = {"recipient": r, "cluster": team.cluster, **context, **own}
        drafts.append(Draft(template, r, full, application_id))
    return drafts


def _to_known_team(
    template: Template,
    application_id: str,
    known: Known,
    links: PersonalLinks | None = None,
    **context: Any,
) -> list[Draft] | None:
    """Drafts for the team the service remembers from the application's content."""
    if known.team is None:
        return None
    return _to_team(template, application_id, known.team, links, **context)


def _to_participant(
    template: Template, event: ClaimStep, known: Known, **context: Any
) -> list[Draft] | None:
    """A draft to the claim's participant, addressed from the application that names them."""
    participants = known.team.participants if known.team else []
    found = next((p for p in participants if p.participant_id == event.participant_id), None)
    if found is None:
        return None
    recipient = Recipient.of(found)
    claimed_at = known.claim.claimed_at if known.claim else None
    full = {"recipient": recipient, "claim_id": event.claim_id, "claimed_at": claimed_at}
    full |= context
    return [Draft(template, recipient, full, event.application_id)]


def totals(amounts: list[Money]) -> list[Money]:
    """The sum per currency, in the order currencies first appear."""
    sums: dict[Currency, Decimal] = defaultdict(Decimal)
    for money in amounts:
        sums[money.currency] += money.amount
    return [Money(amount=total, currency=currency) for currency, total in sums.items()]
