"""What finance maintains: the versioned rate table, each edition's caps, and payment batches.

A rate table version is inserted under ``_id`` = its number, so two finance officers posting at
once cannot both become version n: the second insert collides and is refused (they retry on the
newest). A payment batch is written before any claim names it, so a claim never points to a
batch that does not exist; the batch's claims are the claims that name it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, field_validator
from pymongo import DESCENDING, ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.values import Currency, ExpenseCategory, UtcDateTime
from academy_kit.mongo import Document, document_lock
from academy_reimbursement.domain.money import Rate, RateTable

RATE_TABLES = "rate_tables"
CAPS = "edition_caps"
BATCHES = "payment_batches"


class RateEntry(BaseModel):
    """From ``valid_from`` on, one euro buys ``units_per_eur`` of ``currency``."""

    currency: Currency
    valid_from: date
    units_per_eur: Decimal = Field(gt=0, max_digits=18, decimal_places=8)

    @field_validator("currency")
    @classmethod
    def _not_the_euro(cls, currency: Currency) -> Currency:
        if currency is Currency.EUR:
            raise ValueError("the euro is the reference currency (always 1)")
        return currency


class RateTableVersion(BaseModel):
    version: int
    rates: list[RateEntry]
    published_by: str
    published_at: UtcDateTime

    def table(self) -> RateTable:
        return RateTable(
            self.version,
            tuple(Rate(r.currency, r.valid_from, r.units_per_eur) for r in self.rates),
        )


class VersionTaken(Exception):
    """Another version was published meanwhile."""


class BatchState(StrEnum):
    OPEN = "open"
    PAID = "paid"


class Batch(BaseModel):
    batch_id: str
    edition_id: str | None
    state: BatchState
    created_by: str
    created_at: UtcDateTime
    payment_reference: str | None = None
    paid_by: str | None = None
    paid_at: UtcDateTime | None = None


class FinanceStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._rates = db[RATE_TABLES]
        self._caps = db[CAPS]
        self._batches = db[BATCHES]

    async def latest_rates(self) -> RateTableVersion | None:
        doc = await self._rates.find_one({}, sort=[("_id", DESCENDING)])
        return (
            None if doc is None else RateTableVersion.model_validate({**doc, "version": doc["_id"]})
        )

    async def publish_rates(self, table: RateTableVersion) -> None:
        """Insert this version; raises :class:`VersionTaken` if it exists already."""
        doc = table.model_dump(mode="json", exclude={"version"})
        try:
            await self._rates.insert_one({"_id": table.version, **doc})
        except DuplicateKeyError:
            raise VersionTaken from None

    async def caps(self, edition_id: str) -> dict[ExpenseCategory, Decimal]:
        """The caps finance set for the edition (only the categories they set)."""
        doc = await self._caps.find_one({"_id": edition_id})
        stored: dict[str, str] = (doc or {}).get("caps", {})
        return {ExpenseCategory(k): Decimal(v) for k, v in stored.items()}

    async def set_caps(self, edition_id: str, caps: dict[ExpenseCategory, Decimal]) -> None:
        """Replace the caps finance set for the edition by ``caps``."""
        async with document_lock(self._caps, edition_id):
            await self._caps.update_one(
                {"_id": edition_id},
                {"$set": {"caps": {k.value: str(v) for k, v in caps.items()}}},
                upsert=True,
            )

    async def add_batch(self, batch: Batch) -> None:
        await self._batches.insert_one(
            {"_id": batch.batch_id, **batch.model_dump(mode="json", exclude={"batch_id"})}
        )

    async def batch(self, batch_id: str) -> Batch | None:
        doc = await self._batches.find_one({"_id": batch_id})
        return None if doc is None else _batch(doc)

    async def batch_paid(self, batch_id: str, reference: str, by: str, at: datetime) -> Batch:
        """Mark the batch paid, keeping the first reference and instant if it was already; the
        batch as stored then."""
        async with document_lock(self._batches, batch_id):
            doc = await self._batches.find_one_and_update(
                {"_id": batch_id, "state": BatchState.OPEN.value},
                {
                    "$set": {
                        "state": BatchState.PAID.value,
                        "payment_reference": reference,
                        "paid_by": by,
                        "paid_at": at.isoformat(),
                    }
                },
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:  # paid already
                doc = await self._batches.find_one({"_id": batch_id})
        if doc is None:
            raise LookupError(f"no payment batch {batch_id!r}")  # batches are never deleted
        return _batch(doc)


def _batch(doc: Document) -> Batch:
    return Batch.model_validate({**doc, "batch_id": doc["_id"]})
