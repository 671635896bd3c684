"""Reviewing an edition's applications: the review policy, reviews and who may see them, the
reviewer's queue and everyone's progress."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from academy_kit.clock import now
from academy_selection.domain import reviews as rules
from academy_selection.domain.applications import Application
from academy_selection.domain.reviews import (
    Review,
    Reviewable,
    ReviewerProgress,
    ReviewPolicy,
)
from academy_selection.domain.selection import Unranked, short_of_reviews
from academy_selection.handlers import lookup
from academy_selection.handlers.ports import Applications, Editions, Reviews, Selections


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
class Reviewing:
    applications: Applications
    editions: Editions
    reviews: Reviews
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
        review = rules.review(
            await self._policy(application.edition_id),
            application,
            reviewer,
            scores,
            comment,
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
        open_to_them = rules.queue(policy, reviewer, await self.applications.of_edition(edition_id))
        reviews = await self.reviews.of_edition(edition_id)
        counts = Counter(r.application_id for r in reviews)
        mine = {r.application_id: r for r in reviews if r.reviewer == reviewer}
        return [
            QueueEntry(a, counts[a.application_id], mine.get(a.application_id))
            for a in open_to_them
        ]

    async def progress(self, edition_id: str) -> Progress:
        policy = (await lookup.edition_terms(self.editions, edition_id)).review_policy
        eligible = [a for a in await self.applications.of_edition(edition_id) if a.eligible]
        reviews = await self.reviews.of_edition(edition_id)
        return Progress(
            reviewers=rules.progress(
                policy, [Reviewable(a.application_id, a.cluster.country) for a in eligible], reviews
            ),
            awaiting=short_of_reviews([a.application_id for a in eligible], reviews, policy),
            min_reviews=policy.min_reviews,
        )

    async def _policy(self, edition_id: str) -> ReviewPolicy:
        """The edition's policy; an application screened eligible has its edition stored, and
        one that is not is refused before the policy matters, so the defaults stand in."""
        terms = await self.editions.find(edition_id)
        return ReviewPolicy() if terms is None else terms.review_policy
