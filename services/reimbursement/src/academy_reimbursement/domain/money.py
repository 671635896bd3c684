"""Money rules: conversion to euros at the rate in force on the expense date, and rounding.

Every amount is a :class:`~decimal.Decimal`; no float ever touches money. The two rounding rules
of the service live here and nowhere else:

- :func:`to_cents` rounds a converted line to the cent, half to even (banker's rounding), so
  rounding errors do not drift one way over many lines. Each line is converted and rounded on
  its own, so a total of ``n`` lines differs from the exact conversion of their sum by at most
  ``n`` half-cents (:func:`rounding_tolerance`).
- :func:`share_of` takes a percentage of an amount and rounds *down* to the cent, so the
  reimbursed share never exceeds its percentage of the eligible total (half-to-even would pay
  up to half a cent more).

Rates follow the ECB convention: how many units of a currency one euro buys (1 EUR = 3.35 TND),
so a line converts as ``amount / units_per_eur``. Finance maintains the table in versions; the
newest version is the one in force, and within it each rate applies from its ``valid_from``
date until the next rate of the same currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal

from academy_contracts.values import Currency
from academy_reimbursement.domain.failures import MissingRate

CENT = Decimal("0.01")
REIMBURSED_SHARE = Decimal("0.90")
"""The program reimburses 90% of the eligible costs."""

_EXACT = Context(prec=40)
"""Enough digits that a quotient of two 14-digit amounts is rounded only by :func:`to_cents`."""


def to_cents(amount: Decimal) -> Decimal:
    """The amount rounded to the cent, half to even: the one rule for converted lines."""
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)


def share_of(amount: Decimal, share: Decimal = REIMBURSED_SHARE) -> Decimal:
    """``share`` of ``amount``, rounded down to the cent: never more than the share."""
    return _EXACT.multiply(amount, share).quantize(CENT, rounding=ROUND_DOWN)


def rounding_tolerance(lines: int) -> Decimal:
    """How far a total of ``lines`` converted lines may be from the exact conversion."""
    return CENT / 2 * lines


@dataclass(frozen=True)
class Rate:
    """From ``valid_from`` on, one euro buys ``units_per_eur`` of ``currency``."""

    currency: Currency
    valid_from: date
    units_per_eur: Decimal


@dataclass(frozen=True)
class RateTable:
    """One version of finance's rate table."""

    version: int
    rates: tuple[Rate, ...]

    def rate_on(self, currency: Currency, on: date) -> Decimal:
        """Units of ``currency`` per euro in force on ``on``: the rate with the latest
        ``valid_from`` not after it. The euro is always 1."""
        if currency is Currency.EUR:
            return Decimal(1)
        in_force = [r for r in self.rates if r.currency is currency and r.valid_from <= on]
        if not in_force:
            raise MissingRate(currency, on)
        return max(in_force, key=lambda r: r.valid_from).units_per_eur

    def to_eur(self, amount: Decimal, currency: Currency, on: date) -> Decimal:
        """``amount`` of ``currency`` spent on ``on``, in euros, rounded by :func:`to_cents`."""
        return at_rate(amount, self.rate_on(currency, on))


def at_rate(amount: Decimal, units_per_eur: Decimal) -> Decimal:
    """``amount`` in euros at ``units_per_eur``, rounded by :func:`to_cents`."""
    return to_cents(_EXACT.divide(amount, units_per_eur))
