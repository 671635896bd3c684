"""Property tests of the money rules: conversion, rounding, caps and the 90% share."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from academy_contracts.values import Currency, ExpenseCategory
from academy_reimbursement.domain.failures import MissingRate
from academy_reimbursement.domain.money import (
    CENT,
    Rate,
    RateTable,
    rounding_tolerance,
    share_of,
    to_cents,
)
from academy_reimbursement.domain.reimbursement import LineToConvert, assess, caps_in_force

DAY = date(2024, 3, 14)

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999.99"), places=2)
rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("200000"), places=4).filter(
    lambda r: r > 0
)
foreign = st.sampled_from([c for c in Currency if c is not Currency.EUR])
categories = st.sampled_from(list(ExpenseCategory))
caps = st.decimals(min_value=Decimal("0"), max_value=Decimal("5000"), places=2)


def table(currency: Currency, rate: Decimal) -> RateTable:
    return RateTable(1, (Rate(currency, DAY - timedelta(days=30), rate),))


@given(amounts, rates, foreign)
def test_conversion_is_the_exact_quotient_rounded_to_the_cent(
    amount: Decimal, rate: Decimal, currency: Currency
) -> None:
    eur = table(currency, rate).to_eur(amount, currency, DAY)
    assert eur.as_tuple().exponent == -2
    assert abs(eur - amount / rate) <= CENT / 2
    assert to_cents(eur) == eur  # rounding again changes nothing
    assert table(currency, rate).to_eur(amount, currency, DAY) == eur  # and it is repeatable


@given(amounts)
def test_a_euro_amount_converts_to_itself_without_any_rate(amount: Decimal) -> None:
    assert RateTable(0, ()).to_eur(amount, Currency.EUR, DAY) == amount


@given(st.decimals(min_value=0, max_value=10**9, places=6))
def test_rounding_to_the_cent_is_half_to_even_and_stable(amount: Decimal) -> None:
    rounded = to_cents(amount)
    assert to_cents(rounded) == rounded
    assert abs(rounded - amount) <= CENT / 2


def test_half_a_cent_goes_to_the_even_cent() -> None:
    assert to_cents(Decimal("0.125")) == Decimal("0.12")
    assert to_cents(Decimal("0.135")) == Decimal("0.14")


@given(st.lists(st.tuples(categories, amounts), min_size=1, max_size=12), st.data())
def test_reimbursed_never_exceeds_ninety_percent_of_the_capped_eligible_total(
    items: list[tuple[ExpenseCategory, Decimal]], data: st.DataObject
) -> None:
    category_caps = {c: data.draw(caps, label=f"cap {c}") for c in ExpenseCategory}
    lines = [
        LineToConvert(
            line_id=f"L{n}", category=c, expense_date=DAY, amount=a, currency=Currency.EUR
        )
        for n, (c, a) in enumerate(items)
    ]
    assessment = assess(lines, RateTable(0, ()), category_caps)
    claimed = sum(a for _, a in items)
    assert assessment.eligible_eur <= claimed
    for total in assessment.categories:
        assert total.eligible_eur <= category_caps[total.category]
    assert assessment.eligible_eur == sum(t.eligible_eur for t in assessment.categories)
    assert assessment.reimbursed_eur <= assessment.eligible_eur * Decimal("0.9")
    assert assessment.reimbursed_eur > assessment.eligible_eur * Decimal("0.9") - CENT


@given(amounts)
def test_the_share_rounds_down(amount: Decimal) -> None:
    share = share_of(amount)
    assert share.as_tuple().exponent == -2
    assert amount * Decimal("0.9") - CENT < share <= amount * Decimal("0.9")


@given(st.lists(amounts, min_size=2, max_size=20), rates, foreign)
def test_splitting_a_line_changes_the_total_by_no_more_than_the_rounding(
    parts: list[Decimal], rate: Decimal, currency: Currency
) -> None:
    rate_table = table(currency, rate)
    whole = sum(parts, Decimal(0))
    exact = whole / rate
    split_total = sum(rate_table.to_eur(p, currency, DAY) for p in parts)
    unsplit = rate_table.to_eur(whole, currency, DAY)
    assert abs(split_total - exact) <= rounding_tolerance(len(parts))
    assert abs(split_total - unsplit) <= rounding_tolerance(len(parts) + 1)


@given(st.lists(amounts, min_size=2, max_size=10), rates)
def test_splitting_a_claim_into_lines_keeps_its_assessment_within_the_rounding(
    parts: list[Decimal], rate: Decimal
) -> None:
    rate_table = table(Currency.TND, rate)
    unlimited = {c: Decimal("999999999999.99") for c in ExpenseCategory}

    def line(n: int, amount: Decimal) -> LineToConvert:
        return LineToConvert(
            line_id=f"L{n}",
            category=ExpenseCategory.TRAVEL,
            expense_date=DAY,
            amount=amount,
            currency=Currency.TND,
        )

    one = assess([line(0, sum(parts, Decimal(0)))], rate_table, unlimited)
    many = assess([line(n, p) for n, p in enumerate(parts)], rate_table, unlimited)
    tolerance = rounding_tolerance(len(parts) + 1)
    assert abs(one.eligible_eur - many.eligible_eur) <= tolerance
    # The 90% share rounds down after, which may move it one more cent at most.
    assert abs(one.reimbursed_eur - many.reimbursed_eur) <= tolerance * Decimal("0.9") + CENT


def test_the_rate_in_force_is_the_latest_from_on_or_before_the_expense_date() -> None:
    rate_table = RateTable(
        3,
        (
            Rate(Currency.TND, date(2024, 1, 1), Decimal("3.30")),
            Rate(Currency.TND, date(2024, 3, 1), Decimal("3.40")),
            Rate(Currency.TND, date(2024, 4, 1), Decimal("3.50")),
            Rate(Currency.MAD, date(2024, 1, 1), Decimal("10.80")),
        ),
    )
    assert rate_table.rate_on(Currency.TND, date(2024, 2, 29)) == Decimal("3.30")
    assert rate_table.rate_on(Currency.TND, date(2024, 3, 1)) == Decimal("3.40")
    assert rate_table.rate_on(Currency.TND, date(2024, 3, 31)) == Decimal("3.40")
    assert rate_table.to_eur(Decimal("340.00"), Currency.TND, date(2024, 3, 14)) == Decimal(
        "100.00"
    )


def test_a_missing_rate_is_an_error_not_a_guess() -> None:
    rate_table = RateTable(1, (Rate(Currency.TND, date(2024, 3, 1), Decimal("3.40")),))
    with pytest.raises(MissingRate) as before:
        rate_table.to_eur(Decimal("10.00"), Currency.TND, date(2024, 2, 29))
    assert (before.value.currency, before.value.on) == (Currency.TND, date(2024, 2, 29))
    with pytest.raises(MissingRate):
        rate_table.to_eur(Decimal("10.00"), Currency.EGP, date(2024, 3, 14))


def test_an_edition_overrides_some_caps_and_keeps_the_defaults_of_the_rest() -> None:
    defaults = {c: Decimal("100.00") for c in ExpenseCategory}
    in_force = caps_in_force(defaults, {ExpenseCategory.TRAVEL: Decimal("950.00")})
    assert in_force[ExpenseCategory.TRAVEL] == Decimal("950.00")
    assert in_force[ExpenseCategory.MEALS] == Decimal("100.00")
    assert set(in_force) == set(ExpenseCategory)
