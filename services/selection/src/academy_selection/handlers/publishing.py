"""Making an edition's selection: the balance rules, a dry run, the publication (once, after
the registration deadline, with every eligible application reviewed enough) and the balance
report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from academy_contracts.envelope import Envelope
from academy_kit import outbox
from academy_kit.clock import now
from academy_selection.domain import selection as rules
from academy_selection.domain.editions import EditionTerms
from academy_selection.domain.failures import NotPublished
from academy_selection.domain.report import BalanceReport, balance_report
from academy_selection.domain.reviews import counted, declared
from academy_selection.domain.selection import BalancePolicy, Draft, Selection
from academy_selection.handlers import lookup
from academy_selection.handlers.ports import (
    Applications,
    Conflicts,
    Editions,
    Relay,
    Reviews,
    Selections,
)


@dataclass(frozen=True)
class Publishing:
    applications: Applications
    editions: Editions
    reviews: Reviews
    conflicts: Conflicts
    selections: Selections
    relay: Relay
    source: str

    async def set_balance(self, edition_id: str, policy: BalancePolicy) -> BalancePolicy:
        """Store staff's rules; answer every rule in force, defaults included."""
        terms = await lookup.edition_terms(self.editions, edition_id)
        await self.editions.set_balance(edition_id, policy)
        return BalancePolicy.of(policy.rules(terms.edition.capacity))

    async def balance(self, edition_id: str) -> BalancePolicy:
        terms = await lookup.edition_terms(self.editions, edition_id)
        return BalancePolicy.of(terms.balance.rules(terms.edition.capacity))

    async def preview(self, edition_id: str) -> Draft:
        """What publishing now would decide; nothing is written."""
        return await self._draft(await lookup.edition_terms(self.editions, edition_id), now())

    async def publish(
        self, edition_id: str, by: str, *, offer_period: timedelta, accept_relaxations: bool
    ) -> tuple[Selection, bool]:
        """Publish the selection once; True if this call did. Publishing again returns the
        published selection and emits nothing."""
        published = await self.selections.get(edition_id)
        if published is not None:
            return published, False
        terms = await lookup.edition_terms(self.editions, edition_id)
        instant = now()
        selection, events = rules.publish(
            await self._draft(terms, instant),
            edition_id=edition_id,
            by=by,
            offer_period=offer_period,
            registration_deadline=terms.edition.registration_deadline,
            accept_relaxations=accept_relaxations,
            now=instant,
        )
        envelopes: list[Envelope[Any]] = [outbox.envelope(e, self.source) for e in events]
        if not await self.selections.publish(selection, envelopes):
            return await self.selection(edition_id), False
        self.relay.kick(self.selections.collection, edition_id)
        return selection, True

    async def selection(self, edition_id: str) -> Selection:
        await lookup.edition_terms(self.editions, edition_id)
        published = await self.selections.get(edition_id)
        if published is None:
            raise NotPublished(edition_id)
        return published

    async def report(self, edition_id: str) -> BalanceReport:
        await lookup.edition_terms(self.editions, edition_id)
        return balance_report(
            edition_id,
            await self.applications.of_edition(edition_id),
            await self.selections.get(edition_id),
        )

    async def _draft(self, terms: EditionTerms, at: datetime) -> Draft:
        """The draft from the reviews that count: declared conflicts void a reviewer's review."""
        edition_id = terms.edition.edition_id
        conflicts = declared(await self.conflicts.of_edition(edition_id))
        return rules.draft(
            await self.applications.of_edition(edition_id),
            counted(await self.reviews.of_edition(edition_id), conflicts),
            terms.review_policy,
            terms.balance.rules(terms.edition.capacity),
            at,
        )
