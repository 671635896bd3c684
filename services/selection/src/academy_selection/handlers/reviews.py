"""Reviewing an edition's applications: the review policy, reviews and who may see them, the
reviewer's queue and everyone's progress, and declared conflicts of interest (a reviewer's
recusal, a conflict an admin records)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from academy_kit.clock import now
from academy_selection.domain import reviews as rules
from academy_selection.domain.applications import Application
from academy_selection.domain.reviews import (
    Conflict,
    ConflictSource,
    Review,
    Reviewable,
    ReviewerProgress,
    ReviewPolicy,
)
from academy_selection.domain.selection import Unranked, short_of_reviews
from academy_selection.handlers import lookup
from academy_selection.handlers.ports import Applications, Conflicts, Editions, Reviews, Selections


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
    """Eligible applications with fewer counted reviews than the policy asks."""
    min_reviews: int


@dataclass(frozen=True)
class Reviewing:
    applications: Applications
    editions: Editions
    reviews: Reviews
    conflicts: Conflicts
    selections: Selections

    async def set_review_policy(self, edition_id: str, policy: ReviewPolicy) -> ReviewPolicy:
        current = (await lookup.edition_terms(self.editions, edition_id)).review_policy
        changed = rules.change_policy(current, policy, await self.reviews.exist(edition_id))
        await self.editions.set_review_policy(edition_id, changed)
        return changed

    async def review_policy(self, edition_id: str) -> ReviewPolicy:
        return (await lookup.edition_terms(self.editions, edition_id)).review_policy

    async def review(
        self, application_id: str, reviewer: str, scores: dict[str, int], comment: str | None
    ) -> tuple[Review, bool]:
        """Record the reviewer's review (replacing their earlier one); True if it is new."""
        application = await lookup.application(self.applications, application_id)
        policy = await self._policy(application.edition_id)
        conflict = await self.conflicts.get(application_id, reviewer)
        review = rules.review(
            policy,
            application,
            reviewer,
            scores,
            comment,
            conflicts=rules.declared([] if conflict is None else [conflict]),
            published=await self.selections.exists(application.edition_id),
            now=now(),
        )
        return review, await self.reviews.put(review)

    async def reviews_of(self, application_id: str, viewer: str, *, sees_all: bool) -> list[Review]:
        await lookup.application(self.applications, application_id)
        found = await self.reviews.of_application(application_id)
        return rules.visible(found, viewer, sees_all=sees_all)

    async def queue(self, edition_id: str, reviewer: str) -> list[QueueEntry]:
        """The eligible applications the reviewer may review, their conflicts left out."""
        policy = (await lookup.edition_terms(self.editions, edition_id)).review_policy
        conflicts = rules.declared(await self.conflicts.of_edition(edition_id))
        open_to_them = rules.queue(
            policy,
            reviewer,
            edition_id,
            await self.applications.of_edition(edition_id),
            conflicts,
        )
        reviews = rules.counted(await self.reviews.of_edition(edition_id), conflicts)
        counts = Counter(r.application_id for r in reviews)
        mine = {r.application_id: r for r in reviews if r.reviewer == reviewer}
        return [
            QueueEntry(a, counts[a.application_id], mine.get(a.application_id))
            for a in open_to_them
        ]

    async def progress(self, edition_id: str) -> Progress:
        policy = (await lookup.edition_terms(self.editions, edition_id)).review_policy
        eligible = [a for a in await self.applications.of_edition(edition_id) if a.eligible]
        conflicts = rules.declared(await self.conflicts.of_edition(edition_id))
        reviews = await self.reviews.of_edition(edition_id)
        return Progress(
            reviewers=rules.progress(
                policy,
                [Reviewable(a.application_id, a.cluster.country) for a in eligible],
                reviews,
                conflicts,
            ),
            awaiting=short_of_reviews(
                [a.application_id for a in eligible], rules.counted(reviews, conflicts), policy
            ),
            min_reviews=policy.min_reviews,
        )

    async def recuse(
        self, application_id: str, reviewer: str, reason: str | None
    ) -> tuple[Conflict, bool]:
        """The reviewer declares a conflict with the application; True if it is new."""
        return await self._declare(
            application_id,
            lambda application, policy, published, at: rules.recuse(
                policy, application, reviewer, reason, published=published, now=at
            ),
        )

    async def record_conflict(
        self, application_id: str, reviewer: str, admin: str, reason: str | None
    ) -> tuple[Conflict, bool]:
        """An admin records a conflict between the reviewer and the application; True if new."""
        return await self._declare(
            application_id,
            lambda application, _, published, at: rules.declare_conflict(
                application,
                reviewer,
                ConflictSource.ADMIN,
                admin,
                reason,
                published=published,
                now=at,
            ),
        )

    async def _declare(
        self,
        application_id: str,
        decide: Callable[[Application, ReviewPolicy, bool, datetime], Conflict],
    ) -> tuple[Conflict, bool]:
        """Store the conflict ``decide`` declares; an earlier declaration of the same conflict
        stands (False)."""
        application = await lookup.application(self.applications, application_id)
        conflict = decide(
            application,
            await self._policy(application.edition_id),
            await self.selections.exists(application.edition_id),
            now(),
        )
        if await self.conflicts.add(conflict):
            return conflict, True
        first = await self.conflicts.get(conflict.application_id, conflict.reviewer)
        return (conflict if first is None else first), False

    async def _policy(self, edition_id: str) -> ReviewPolicy:
        """The edition's policy; an application screened eligible has its edition stored, and
        one that is not is refused before the policy matters, so the defaults stand in."""
        terms = await self.editions.find(edition_id)
        return ReviewPolicy() if terms is None else terms.review_policy
