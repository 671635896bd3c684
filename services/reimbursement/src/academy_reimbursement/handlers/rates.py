"""The rate table finance publishes, version by version, and each edition's caps."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from academy_contracts.values import ExpenseCategory
from academy_kit.clock import now
from academy_reimbursement.domain.failures import NoRateTable
from academy_reimbursement.domain.money import RateTable
from academy_reimbursement.domain.rates import (
    NO_RATES,
    RateEntry,
    RateTableVersion,
    next_version,
)
from academy_reimbursement.domain.reimbursement import caps_in_force
from academy_reimbursement.handlers.ports import RateStore


@dataclass(frozen=True)
class Rates:
    store: RateStore
    default_caps: dict[ExpenseCategory, Decimal]

    async def publish(self, rates: list[RateEntry], by: str) -> RateTableVersion:
        """Publish the next version of the rate table; it is in force from now on. Refused
        when another version was published meanwhile."""
        table = next_version(await self.store.latest_rates(), rates, by, now())
        await self.store.publish_rates(table)
        return table

    async def latest(self) -> RateTableVersion:
        latest = await self.store.latest_rates()
        if latest is None:
            raise NoRateTable
        return latest

    async def in_force(self) -> RateTable:
        """The table approvals convert with (before any is posted, only euros convert)."""
        latest = await self.store.latest_rates()
        return NO_RATES if latest is None else latest.table()

    async def caps(self, edition_id: str) -> dict[ExpenseCategory, Decimal]:
        return caps_in_force(self.default_caps, await self.store.caps(edition_id))

    async def set_caps(
        self, edition_id: str, caps: dict[ExpenseCategory, Decimal]
    ) -> dict[ExpenseCategory, Decimal]:
        """Set the edition's own caps for the categories given; the others keep the defaults."""
        await self.store.set_caps(edition_id, caps)
        return caps_in_force(self.default_caps, caps)
