"""The 90% rule: from a claim's lines to the amount reimbursed.

Each line is converted to euros at the rate in force on its date (:mod:`.money`), the lines are
summed per category, each category's sum is capped at the edition's cap for it, and 90% of the
capped (eligible) total is reimbursed, rounded down to the cent. Whether a claim may be
assessed at all (documents, attendance) is decided elsewhere; this module only counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from academy_contracts.values import Currency, ExpenseCategory
from academy_reimbursement.domain.money import REIMBURSED_SHARE, RateTable, at_rate, share_of

Caps = Mapping[ExpenseCategory, Decimal]
"""The most that is eligible per category of one claim, in euros."""


def caps_in_force(defaults: Caps, overrides: Caps) -> dict[ExpenseCategory, Decimal]:
    """The caps of an edition: the service's defaults, replaced category by category by the
    ones finance set for the edition."""
    return {category: overrides.get(category, defaults[category]) for category in ExpenseCategory}


class LineToConvert(BaseModel):
    line_id: str
    category: ExpenseCategory
    expense_date: date
    amount: Decimal
    currency: Currency


class ConvertedLine(LineToConvert):
    units_per_eur: Decimal
    eur: Decimal


class CategoryTotal(BaseModel):
    category: ExpenseCategory
    claimed_eur: Decimal
    cap_eur: Decimal
    eligible_eur: Decimal


class Assessment(BaseModel):
    """How a claim's reimbursement was counted, kept with the claim so it can be explained."""

    rate_table_version: int
    lines: list[ConvertedLine]
    categories: list[CategoryTotal]
    eligible_eur: Decimal = Field(description="The capped total of the claim, in euros.")
    share: Decimal = REIMBURSED_SHARE
    reimbursed_eur: Decimal = Field(description="90% of the eligible total, rounded down.")


def assess(lines: Sequence[LineToConvert], rates: RateTable, caps: Caps) -> Assessment:
    """Count a claim; raises :class:`~.failures.MissingRate` when a line's rate is unknown."""
    converted = [_converted(line, rates) for line in lines]
    categories = []
    for category in ExpenseCategory:
        claimed = sum((c.eur for c in converted if c.category is category), Decimal("0.00"))
        if any(c.category is category for c in converted):
            cap = caps[category]
            categories.append(
                CategoryTotal(
                    category=category,
                    claimed_eur=claimed,
                    cap_eur=cap,
                    eligible_eur=min(claimed, cap),
                )
            )
    eligible = sum((c.eligible_eur for c in categories), Decimal("0.00"))
    return Assessment(
        rate_table_version=rates.version,
        lines=converted,
        categories=categories,
        eligible_eur=eligible,
        reimbursed_eur=share_of(eligible),
    )


def _converted(line: LineToConvert, rates: RateTable) -> ConvertedLine:
    units_per_eur = rates.rate_on(line.currency, line.expense_date)
    return ConvertedLine(
        **line.model_dump(), units_per_eur=units_per_eur, eur=at_rate(line.amount, units_per_eur)
    )
