"""The versioned rate table and each edition's caps: what finance maintains for assessments.

A rate table version is inserted under ``_id`` = its number, so two finance officers posting at
once cannot both become version n: the second insert collides and is refused (they retry on the
newest). Caps are one document per edition, replaced whole under its lock.
"""

from __future__ import annotations

from decimal import Decimal

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.values import ExpenseCategory
from academy_kit.mongo import Document, document_lock
from academy_reimbursement.domain.failures import RateTableChanged
from academy_reimbursement.domain.rates import RateTableVersion

RATE_TABLES = "rate_tables"
CAPS = "edition_caps"


class RateStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._rates = db[RATE_TABLES]
        self._caps = db[CAPS]

    async def latest_rates(self) -> RateTableVersion | None:
        doc = await self._rates.find_one({}, sort=[("_id", DESCENDING)])
        return (
            None if doc is None else RateTableVersion.model_validate({**doc, "version": doc["_id"]})
        )

    async def publish_rates(self, table: RateTableVersion) -> None:
        """Insert this version; raises :class:`RateTableChanged` if it exists already."""
        doc = table.model_dump(mode="json", exclude={"version"})
        try:
            await self._rates.insert_one({"_id": table.version, **doc})
        except DuplicateKeyError:
            raise RateTableChanged(table.version) from None

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
