"""Payment batches and their payments. A batch is written before any claim names it, so a
claim never points to a batch that does not exist; the batch's claims are the claims that name
it. Both a batch and its payment are inserted under derived ids
(:mod:`academy_reimbursement.domain.payments`): a duplicate insert is refused atomically by
MongoDB and FerretDB alike, across processes, which a conditional update on FerretDB is not."""

from __future__ import annotations

from pymongo import DESCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_kit.mongo import Document, document_lock
from academy_reimbursement.domain.payments import Batch, Payment

BATCHES = "payment_batches"
PAYMENTS = "batch_payments"


class BatchStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._batches = db[BATCHES]
        self._payments = db[PAYMENTS]

    async def add(self, batch: Batch) -> bool:
        """Insert the batch; False when a batch of this id exists already."""
        try:
            await self._batches.insert_one(
                {"_id": batch.batch_id, **batch.model_dump(mode="json", exclude={"batch_id"})}
            )
        except DuplicateKeyError:
            return False
        return True

    async def get(self, batch_id: str) -> Batch | None:
        doc = await self._batches.find_one({"_id": batch_id})
        return None if doc is None else _batch(doc)

    async def newest(self, edition_id: str | None) -> Batch | None:
        """The highest-numbered batch of the edition (of all editions when None). Batches
        are few, so this seldom-used lookup may read the whole collection on FerretDB."""
        query = {"edition_id": edition_id, "number": {"$gte": 1}}
        doc = await self._batches.find_one(query, sort=[("number", DESCENDING)])
        return None if doc is None else _batch(doc)

    async def page(self, skip: int, limit: int) -> tuple[list[Batch], int]:
        """The batches, newest first, from ``skip`` on and ``limit`` at most."""
        found = self._batches.find({}, sort=[("created_at", DESCENDING)], skip=skip, limit=limit)
        return [_batch(doc) async for doc in found], await self._batches.count_documents({})

    async def save(self, batch: Batch) -> None:
        async with document_lock(self._batches, batch.batch_id):
            fields = batch.model_dump(mode="json", exclude={"batch_id"})
            await self._batches.update_one({"_id": batch.batch_id}, {"$set": fields})

    async def record_payment(self, payment: Payment) -> tuple[Payment, bool]:
        """Record the batch's payment unless one is; the payment recorded and whether it is
        this one."""
        try:
            await self._payments.insert_one(
                {"_id": payment.batch_id, **payment.model_dump(mode="json", exclude={"batch_id"})}
            )
        except DuplicateKeyError:
            recorded = await self.payment(payment.batch_id)
            if recorded is None:
                raise
            return recorded, False
        return payment, True

    async def payment(self, batch_id: str) -> Payment | None:
        doc = await self._payments.find_one({"_id": batch_id})
        return None if doc is None else Payment.model_validate({**doc, "batch_id": doc["_id"]})

    async def finish_payment(self, payment: Payment) -> None:
        async with document_lock(self._payments, payment.batch_id):
            await self._payments.update_one({"_id": payment.batch_id}, {"$set": {"finished": True}})


def _batch(doc: Document) -> Batch:
    return Batch.model_validate({**doc, "batch_id": doc["_id"]})
