"""In-memory stores with the behaviour the handlers rely on (keep the newest revision, one
review and one conflict per reviewer and application, publish once, change at a version), and
the outbox entries each write carries, so fast tests can see the events a use case causes."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationScreened, IntegrationEvent
from academy_selection.domain.applications import Application, ApplicationStatus, Screening
from academy_selection.domain.editions import Edition, EditionTerms
from academy_selection.domain.reviews import Conflict, Review, ReviewPolicy
from academy_selection.domain.selection import BalancePolicy, Selection
from academy_selection.handlers.offers import Offers
from academy_selection.handlers.publishing import Publishing
from academy_selection.handlers.reviews import Reviewing
from academy_selection.handlers.screening import Screener


@dataclass
class Outbox:
    """Every envelope written with a change, in the order written; the documents the relay
    was kicked for."""

    envelopes: list[Envelope[Any]] = field(default_factory=list)
    kicked: list[tuple[str, str]] = field(default_factory=list)
    """The documents the relay was told to publish from, as (collection, ``_id``)."""

    def kick(self, collection: str, document_id: str) -> None:
        self.kicked.append((collection, document_id))

    def events(self) -> list[IntegrationEvent]:
        return [e.data for e in self.envelopes]


@dataclass
class MemoryApplications:
    outbox: Outbox
    collection: str = "applications"
    stored: dict[str, Application] = field(default_factory=dict)
    waiting: dict[str, str] = field(default_factory=dict)

    async def record(
        self, application: Application, screened: Envelope[ApplicationScreened] | None
    ) -> bool:
        known = self.stored.get(application.application_id)
        if known is not None and known.revision >= application.revision:
            return False
        if known is not None and application.submitted_at is None:
            application = application.model_copy(update={"submitted_at": known.submitted_at})
        self.stored[application.application_id] = application
        self.outbox.envelopes.extend([] if screened is None else [screened])
        return True

    async def add_screening(
        self, application_id: str, screening: Screening, screened: Envelope[ApplicationScreened]
    ) -> bool:
        known = self.stored.get(application_id)
        if known is None or known.revision != screening.revision or known.screening is not None:
            return False
        self.stored[application_id] = known.model_copy(update={"screening": screening})
        self.outbox.envelopes.append(screened)
        return True

    async def withdraw(self, application_id: str, revision: int) -> bool:
        known = self.stored.get(application_id)
        if known is None or known.revision >= revision:
            return False
        self.stored[application_id] = known.model_copy(
            update={"status": ApplicationStatus.WITHDRAWN, "revision": revision}
        )
        return True

    async def get(self, application_id: str) -> Application | None:
        return self.stored.get(application_id)

    async def of_edition(self, edition_id: str) -> list[Application]:
        return [a for _, a in sorted(self.stored.items()) if a.edition_id == edition_id]

    async def await_edition(self, application_id: str, edition_id: str) -> None:
        self.waiting[application_id] = edition_id

    async def awaiting(self, edition_id: str) -> list[str]:
        return [a for a, e in self.waiting.items() if e == edition_id]

    async def done_awaiting(self, application_id: str) -> None:
        self.waiting.pop(application_id, None)


@dataclass
class MemoryEditions:
    stored: dict[str, EditionTerms] = field(default_factory=dict)

    async def record(self, edition: Edition) -> bool:
        known = self.stored.get(edition.edition_id)
        if known is not None and known.edition.revision >= edition.revision:
            return False
        self.stored[edition.edition_id] = (
            EditionTerms(edition)
            if known is None
            else EditionTerms(edition, known.review_policy, known.balance)
        )
        return True

    async def find(self, edition_id: str) -> EditionTerms | None:
        return self.stored.get(edition_id)

    async def set_review_policy(self, edition_id: str, policy: ReviewPolicy) -> bool:
        known = self.stored.get(edition_id)
        if known is None:
            return False
        self.stored[edition_id] = EditionTerms(known.edition, policy, known.balance)
        return True

    async def set_balance(self, edition_id: str, policy: BalancePolicy) -> bool:
        known = self.stored.get(edition_id)
        if known is None:
            return False
        self.stored[edition_id] = EditionTerms(known.edition, known.review_policy, policy)
        return True


@dataclass
class MemoryReviews:
    stored: dict[tuple[str, str], Review] = field(default_factory=dict)

    async def put(self, review: Review) -> bool:
        key = (review.application_id, review.reviewer)
        first = key not in self.stored
        self.stored[key] = review
        return first

    async def of_application(self, application_id: str) -> list[Review]:
        return [r for k, r in sorted(self.stored.items()) if k[0] == application_id]

    async def of_edition(self, edition_id: str) -> list[Review]:
        return [r for _, r in sorted(self.stored.items()) if r.edition_id == edition_id]

    async def exist(self, edition_id: str) -> bool:
        return any(r.edition_id == edition_id for r in self.stored.values())


@dataclass
class MemoryConflicts:
    stored: dict[tuple[str, str], Conflict] = field(default_factory=dict)

    async def add(self, conflict: Conflict) -> bool:
        key = (conflict.application_id, conflict.reviewer)
        if key in self.stored:
            return False
        self.stored[key] = conflict
        return True

    async def get(self, application_id: str, reviewer: str) -> Conflict | None:
        return self.stored.get((application_id, reviewer))

    async def of_edition(self, edition_id: str) -> list[Conflict]:
        return [c for _, c in sorted(self.stored.items()) if c.edition_id == edition_id]


@dataclass
class MemorySelections:
    outbox: Outbox
    collection: str = "selections"
    stored: dict[str, Selection] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    def lock(self, edition_id: str) -> asyncio.Lock:
        return self.locks.setdefault(edition_id, asyncio.Lock())

    async def publish(self, selection: Selection, events: Sequence[Envelope[Any]]) -> bool:
        if selection.edition_id in self.stored:
            return False
        self.stored[selection.edition_id] = selection
        self.outbox.envelopes.extend(events)
        return True

    async def change(
        self, selection: Selection, expected_version: int, events: Sequence[Envelope[Any]]
    ) -> bool:
        known = self.stored.get(selection.edition_id)
        if known is None or known.version != expected_version:
            return False
        self.stored[selection.edition_id] = selection
        self.outbox.envelopes.extend(events)
        return True

    async def get(self, edition_id: str) -> Selection | None:
        return self.stored.get(edition_id)

    async def with_offers_due(self, now: datetime) -> list[str]:
        return [
            edition_id
            for edition_id, s in self.stored.items()
            if s.next_offer_deadline is not None and s.next_offer_deadline < now
        ]

    async def exists(self, edition_id: str) -> bool:
        return edition_id in self.stored


@dataclass
class Service:
    """Selection's handlers on in-memory stores, as ``entrypoints/main.py`` wires them."""

    outbox: Outbox
    applications: MemoryApplications
    editions: MemoryEditions
    reviews: MemoryReviews
    conflicts: MemoryConflicts
    selections: MemorySelections
    screener: Screener
    reviewing: Reviewing
    publishing: Publishing
    offers: Offers


def service(source: str = "selection-test") -> Service:
    outbox = Outbox()
    applications, editions = MemoryApplications(outbox), MemoryEditions()
    reviews, conflicts = MemoryReviews(), MemoryConflicts()
    selections = MemorySelections(outbox)
    return Service(
        outbox=outbox,
        applications=applications,
        editions=editions,
        reviews=reviews,
        conflicts=conflicts,
        selections=selections,
        screener=Screener(applications, editions, outbox, source),
        reviewing=Reviewing(applications, editions, reviews, conflicts, selections),
        publishing=Publishing(
            applications, editions, reviews, conflicts, selections, outbox, source
        ),
        offers=Offers(applications, editions, selections, outbox, source),
    )
