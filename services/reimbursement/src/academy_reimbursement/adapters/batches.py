"""Payment batches. A batch is written before any claim names it, so a claim never points to a
batch that does not exist; the batch's claims are the claims that name it."""

from __future__ import annotations

from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit.mongo import Document, document_lock
from academy_reimbursement.domain.payments import Batch, BatchState

BATCHES = "payment_batches"


class BatchStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._batches = db[BATCHES]

    async def add(self, batch: Batch) -> None:
        await self._batches.insert_one(
            {"_id": batch.batch_id, **batch.model_dump(mode="json", exclude={"batch_id"})}
        )

    async def get(self, batch_id: str) -> Batch | None:
        doc = await self._batches.find_one({"_id": batch_id})
        return None if doc is None else _batch(doc)

    async def paid(self, batch_id: str, reference: str, by: str, at: datetime) -> Batch:
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
