"""Staff's and applicants' commands: review policy and balance rules, reviews, the selection's
preview and publication, offers and the balance report.

Each command reads what it needs, lets the pure domain decide, and writes once; a refusal is
an RFC 9457 problem naming what is wrong and what would be accepted.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from academy_contracts.envelope import Envelope
from academy_contracts.events import OfferActor
from academy_contracts.roles import Role
from academy_kit import outbox
from academy_kit.auth import StaffMember
from academy_kit.clock import now
from academy_kit.outbox import OutboxRelay
from academy_kit.problems import Problem
from academy_selection.adapters.applications import ApplicationStore
from academy_selection.adapters.editions import EditionStore, StoredEdition
from academy_selection.adapters.reviews import ReviewStore
from academy_selection.adapters.selections import SelectionStore
from academy_selection.domain import selection as selection_domain
from academy_selection.domain.applications import Application
from academy_selection.domain.offers import OfferError
from academy_selection.domain.report import BalanceReport, balance_report
from academy_selection.domain.reviews import (
    Review,
    Reviewable,
    ReviewerProgress,
    ReviewPolicy,
    progress,
)
from academy_selection.domain.selection import (
    BalancePolicy,
    Decision,
    Draft,
    Selection,
    Unranked,
    short_of_reviews,
)
from academy_selection.handlers.offers import NotPublished, Offers


@dataclass(frozen=True)
class QueueEntry:
    """An application a reviewer may review, and where its reviews stand."""

    application: Application
    reviews: int
    mine: Review | None


@dataclass(frozen=True)
class Progress:
    reviewers: list[ReviewerProgress]
    awaiting: list[Unranked]
    """Eligible applications with fewer reviews than the policy asks."""
    min_reviews: int


@dataclass(frozen=True)
class Commands:
    applications: ApplicationStore
    editions: EditionStore
    reviews: ReviewStore
    selections: SelectionStore
    offers: Offers
    relay: OutboxRelay
    source: str

    async def edition(self, edition_id: str) -> StoredEdition:
        """The edition with its review policy and balance rules, or 404."""
        edition = await self.editions.find(edition_id)
        if edition is None:
            raise Problem(
                404,
                "unknown-edition",
                "Unknown edition",
                f"No edition {edition_id!r} has been published to the selection service.",
                edition_id=edition_id,
            )
        return edition

    async def application(self, application_id: str) -> Application:
        application = await self.applications.get(application_id)
        if application is None:
            raise Problem(
                404,
                "unknown-application",
                "Unknown application",
                f"No application {application_id!r} has reached the selection service.",
                application_id=application_id,
            )
        return application

    # Review policy and balance rules

    async def set_review_policy(self, edition_id: str, policy: ReviewPolicy) -> ReviewPolicy:
        """Reviews already given were scored on the current criteria, so the criteria are
        fixed from the first review on; the rest of the policy may still change."""
        current = (await self.edition(edition_id)).review_policy
        if policy.criteria != current.criteria and await self.reviews.exist(edition_id):
            raise Problem(
                409,
                "rubric-in-use",
                "Rubric already in use",
                "Reviews were submitted on the current criteria; send them unchanged.",
                field="criteria",
                criteria=[c.model_dump(mode="json") for c in current.criteria],
            )
        await self.editions.set_review_policy(edition_id, policy)
        return policy

    async def review_policy(self, edition_id: str) -> ReviewPolicy:
        return (await self.edition(edition_id)).review_policy

    async def set_balance(self, edition_id: str, policy: BalancePolicy) -> BalancePolicy:
        """Store staff's rules; answer every rule in force, defaults included."""
        stored = await self.edition(edition_id)
        await self.editions.set_balance(edition_id, policy)
        return BalancePolicy.of(policy.rules(stored.edition.capacity))

    async def balance(self, edition_id: str) -> BalancePolicy:
        stored = await self.edition(edition_id)
        return BalancePolicy.of(stored.balance.rules(stored.edition.capacity))

    # Reviews

    async def review(
        self, application_id: str, reviewer: str, scores: dict[str, int], comment: str | None
    ) -> tuple[Review, bool]:
        """Record the reviewer's review (replacing their earlier one); True if it is new."""
        application = await self.application(application_id)
        if not application.eligible:
            raise Problem(
                409,
                "not-reviewable",
                "Application not open to review",
                "Only eligible applications still in the running are reviewed.",
                application_status=application.status,
                screening=None
                if application.screening is None
                else application.screening.model_dump(mode="json"),
            )
        if await self.selections.exists(application.edition_id):
            raise _published(application.edition_id)
        stored = await self.editions.find(application.edition_id)
        # Screened eligible, so its edition is known; the defaults stand in all the same.
        policy = ReviewPolicy() if stored is None else stored.review_policy
        if policy.conflicted(reviewer, application.cluster.country):
            raise Problem(
                403,
                "conflict-of-interest",
                "Conflict of interest",
                f"Reviewers do not review clusters of their own country "
                f"({application.cluster.country}).",
            )
        errors = policy.score_errors(scores)
        if errors:
            raise Problem(
                422,
                "validation",
                "Invalid request",
                "Invalid value for: " + ", ".join(str(e["field"]) for e in errors),
                errors=errors,
            )
        review = Review(
            application_id=application_id,
            edition_id=application.edition_id,
            reviewer=reviewer,
            scores=scores,
            score=policy.score(scores),
            comment=comment,
            submitted_at=now(),
        )
        return review, await self.reviews.put(review)

    async def reviews_of(self, application_id: str, member: StaffMember) -> list[Review]:
        """Every review of the application; a committee member sees them only once they have
        given their own, so that others' scores cannot sway theirs."""
        await self.application(application_id)
        found = await self.reviews.of_application(application_id)
        if Role.ADMIN not in member.roles and all(r.reviewer != member.subject for r in found):
            raise Problem(
                403,
                "review-first",
                "Review first",
                "Other reviews are shown once you have submitted your own review of this "
                "application.",
            )
        return found

    async def queue(self, edition_id: str, reviewer: str) -> list[QueueEntry]:
        """The eligible applications the reviewer may review, conflicts left out."""
        policy = (await self.edition(edition_id)).review_policy
        reviews = await self.reviews.of_edition(edition_id)
        counts = Counter(r.application_id for r in reviews)
        mine = {r.application_id: r for r in reviews if r.reviewer == reviewer}
        return [
            QueueEntry(
                application=a,
                reviews=counts[a.application_id],
                mine=mine.get(a.application_id),
            )
            for a in await self.applications.of_edition(edition_id)
            if a.eligible and not policy.conflicted(reviewer, a.cluster.country)
        ]

    async def progress(self, edition_id: str) -> Progress:
        policy = (await self.edition(edition_id)).review_policy
        eligible = [a for a in await self.applications.of_edition(edition_id) if a.eligible]
        reviews = await self.reviews.of_edition(edition_id)
        return Progress(
            reviewers=progress(
                policy,
                [Reviewable(a.application_id, a.cluster.country) for a in eligible],
                reviews,
            ),
            awaiting=short_of_reviews([a.application_id for a in eligible], reviews, policy),
            min_reviews=policy.min_reviews,
        )

    # Selection

    async def preview(self, edition_id: str) -> Draft:
        """What publishing now would decide; nothing is written."""
        return await self._draft(await self.edition(edition_id), now())

    async def _draft(self, stored: StoredEdition, at: datetime) -> Draft:
        edition_id = stored.edition.edition_id
        return selection_domain.draft(
            await self.applications.of_edition(edition_id),
            await self.reviews.of_edition(edition_id),
            stored.review_policy,
            stored.balance.rules(stored.edition.capacity),
            at,
        )

    async def publish(
        self,
        edition_id: str,
        by: str,
        *,
        offer_period: timedelta,
        accept_relaxations: bool,
    ) -> tuple[Selection, bool]:
        """Publish the selection once; True if this call did. Publishing again returns the
        published selection and emits nothing."""
        published = await self.selections.get(edition_id)
        if published is not None:
            return published, False
        stored = await self.edition(edition_id)
        instant = now()
        if instant <= stored.edition.registration_deadline:
            raise Problem(
                409,
                "registration-open",
                "Registration still open",
                "The selection is published after the registration deadline, when no more "
                "applications can arrive.",
                registration_deadline=stored.edition.registration_deadline.isoformat(),
            )
        proposal = await self._draft(stored, instant)
        if proposal.unranked:
            raise Problem(
                409,
                "reviews-missing",
                "Applications not reviewed enough",
                f"{len(proposal.unranked)} eligible application(s) have fewer reviews than "
                "the policy asks; they cannot be ranked yet.",
                unranked=[vars(u) for u in proposal.unranked],
            )
        outcome = proposal.outcome
        if not outcome.feasible and not accept_relaxations:
            raise Problem(
                409,
                "rules-conflict",
                "Balance rules cannot all hold",
                "Change the rules, or publish with accept_relaxations to keep to the nearest "
                "rules that can hold.",
                conflicts=[list(c) for c in outcome.conflicts],
                relaxations=[vars(r) for r in outcome.relaxations],
            )
        selection, events = selection_domain.publish(
            proposal, edition_id=edition_id, by=by, offer_period=offer_period, now=instant
        )
        envelopes: list[Envelope[Any]] = [outbox.envelope(e, self.source) for e in events]
        if not await self.selections.publish(selection, envelopes):
            return await self._published(edition_id), False
        self.relay.kick()
        return selection, True

    async def selection(self, edition_id: str) -> Selection:
        await self.edition(edition_id)
        return await self._published(edition_id)

    async def _published(self, edition_id: str) -> Selection:
        published = await self.selections.get(edition_id)
        if published is None:
            raise Problem(
                404,
                "not-published",
                "Selection not published",
                f"The selection of edition {edition_id!r} is not published yet.",
            )
        return published

    async def close_waitlist(self, edition_id: str) -> Selection:
        await self.edition(edition_id)
        try:
            return await self.offers.close_waitlist(edition_id)
        except NotPublished:
            raise _not_published(edition_id) from None

    # Offers

    async def decision(self, application_id: str) -> Decision:
        """The application's decision in its edition's published selection."""
        application = await self.application(application_id)
        return _decision(await self._published(application.edition_id), application_id)

    async def confirm(self, application_id: str, by: OfferActor) -> Decision:
        application = await self.application(application_id)
        try:
            selection = await self.offers.confirm(application.edition_id, application_id, by)
        except NotPublished:
            raise _not_published(application.edition_id) from None
        except OfferError as exc:
            raise _offer_problem(exc) from None
        return _decision(selection, application_id)

    async def decline(self, application_id: str) -> Decision:
        application = await self.application(application_id)
        try:
            selection = await self.offers.decline(application.edition_id, application_id)
        except NotPublished:
            raise _not_published(application.edition_id) from None
        except OfferError as exc:
            raise _offer_problem(exc) from None
        return _decision(selection, application_id)

    # Report

    async def report(self, edition_id: str) -> BalanceReport:
        await self.edition(edition_id)
        return balance_report(
            edition_id,
            await self.applications.of_edition(edition_id),
            await self.selections.get(edition_id),
        )


def _published(edition_id: str) -> Problem:
    return Problem(
        409,
        "selection-published",
        "Selection already published",
        f"The selection of edition {edition_id!r} is published; reviews are closed.",
    )


def _not_published(edition_id: str) -> Problem:
    return Problem(
        409,
        "not-published",
        "Selection not published",
        f"The selection of edition {edition_id!r} is not published yet: there is no offer.",
    )


def _decision(selection: Selection, application_id: str) -> Decision:
    """The application's decision; 404 when the selection has none (it was not screened or
    reviewed in time). Confirming and declining refuse such an application before this."""
    decision = selection.decision(application_id)
    if decision is None:
        raise _offer_problem(
            OfferError(
                "not-in-selection",
                f"Application {application_id!r} has no decision in the selection.",
            )
        )
    return decision


def _offer_problem(exc: OfferError) -> Problem:
    status = 404 if exc.kind == "not-in-selection" else 409
    extra: dict[str, Any] = {} if exc.status is None else {"decision_status": exc.status.value}
    return Problem(status, exc.kind, "Offer cannot change", exc.detail, **extra)
