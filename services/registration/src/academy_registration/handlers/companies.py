"""Company registrations: anyone registers a company (→ CompanyRegistered), admins list them."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.events import CompanyRegistered
from academy_kit import outbox
from academy_kit.clock import now
from academy_registration.domain.companies import CompanyFilter, CompanyForm, register
from academy_registration.handlers.applications import new_id
from academy_registration.handlers.ports import CompanyStore, EditionStore, Relay, find_edition


@dataclass(frozen=True)
class Companies:
    store: CompanyStore
    editions: EditionStore
    relay: Relay
    source: str

    async def register(
        self, form: CompanyForm, idempotency_key: str | None
    ) -> tuple[CompanyRegistered, bool]:
        """The company, and whether this call registered it."""
        if idempotency_key:
            first = await self.store.first_under(idempotency_key, form)
            if first is not None:
                return first, False
        if form.edition_id is not None:
            await find_edition(self.editions, form.edition_id)
        event = register(form, company_id=new_id(), now=now())
        envelope = outbox.envelope(event, self.source)
        company, created = await self.store.add(envelope, idempotency_key, form)
        if created:
            self.relay.kick(self.store.collection, company.company_id)
        return company, created

    async def page(
        self, filters: CompanyFilter, *, offset: int, limit: int
    ) -> tuple[list[CompanyRegistered], int]:
        """One page of the matching companies, first registered first, and how many match."""
        items = await self.store.find(filters, skip=offset, limit=limit)
        return items, await self.store.count(filters)
