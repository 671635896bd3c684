"""Claims: one document per claim, holding its lines, documents' references, state and, until
the relay has sent them, the events of the change that wrote it (embedded outbox).

The claim's id is derived from its edition and participant
(:func:`~academy_reimbursement.domain.claims.claim_id_of`): a participant has one claim per
edition, so a resubmission, however it arrives, is an insert of the same
``_id`` and cannot create a second one, and the participant's claim is found by ``_id``. Every
change of a claim reads, decides and writes under the claim's lock
(:func:`academy_kit.mongo.document_lock`), since FerretDB 1.x would lose one of two concurrent
updates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_kit import outbox
from academy_kit.idempotency import FINGERPRINT, fingerprint
from academy_kit.mongo import Document, document_lock
from academy_reimbursement.domain.claims import (
    Claim,
    ClaimExists,
    ClaimForm,
    ClaimState,
    claim_id_of,
)

CLAIMS = "claims"


def _claim(doc: Document) -> Claim:
    return Claim.model_validate({**doc, "claim_id": doc["_id"]})


def _fields(claim: Claim) -> Document:
    return claim.model_dump(mode="json", exclude={"claim_id"})


class ClaimStore:
    collection = CLAIMS

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._claims = db[CLAIMS]

    async def ensure_indexes(self) -> None:
        await self._claims.create_index([("edition_id", ASCENDING), ("state", ASCENDING)])

    async def add(self, claim: Claim, form: ClaimForm, events: list[Envelope[Any]]) -> None:
        """Insert the claim (its id from :func:`claim_id_of`) with its events in one write;
        raises :class:`ClaimExists` when the participant already has a claim for the edition."""
        doc = {
            "_id": claim.claim_id,
            FINGERPRINT: fingerprint(form),
            **_fields(claim),
            outbox.OUTBOX: outbox.entries(events),
        }
        try:
            await self._claims.insert_one(doc)
        except DuplicateKeyError:
            existing = await self._claims.find_one({"_id": claim.claim_id}, {outbox.OUTBOX: 0})
            if existing is None:
                raise
            raise ClaimExists(_claim(existing), existing[FINGERPRINT] == doc[FINGERPRINT]) from None

    @asynccontextmanager
    async def changing(self, claim_id: str) -> AsyncIterator[Claim | None]:
        """Hold the claim's lock while the caller reads it, decides, and :meth:`saves <save>`."""
        async with document_lock(self._claims, claim_id):
            yield await self.get(claim_id)

    async def save(self, claim: Claim, events: list[Envelope[Any]]) -> None:
        """Write a changed claim with its events in one write; call inside :meth:`changing`."""
        update: Document = {"$set": _fields(claim)}
        if events:
            update["$push"] = {outbox.OUTBOX: {"$each": outbox.entries(events)}}
        await self._claims.update_one({"_id": claim.claim_id}, update)

    async def get(self, claim_id: str) -> Claim | None:
        doc = await self._claims.find_one({"_id": claim_id}, {outbox.OUTBOX: 0})
        return None if doc is None else _claim(doc)

    async def of_participant(self, edition_id: str, participant_id: str) -> Claim | None:
        return await self.get(claim_id_of(edition_id, participant_id))

    async def find(
        self,
        *,
        edition_id: str | None = None,
        state: ClaimState | None = None,
        batched: bool | None = None,
        skip: int = 0,
        limit: int = 0,
    ) -> tuple[list[Claim], int]:
        """The claims of the edition, in the state and in a payment batch or not (when given),
        oldest first, from ``skip`` on and ``limit`` at most (0: all), and how many match in
        all."""
        query: Document = {}
        if edition_id is not None:
            query["edition_id"] = edition_id
        if state is not None:
            query["state"] = state.value
        if batched is not None:
            query["batch_id"] = {"$ne": None} if batched else None
        claims = await self._oldest_first(query, skip=skip, limit=limit)
        return claims, await self._claims.count_documents(query)

    async def payable(self, edition_id: str | None) -> list[str]:
        """Ids of approved claims in no payment batch yet."""
        query: Document = {"state": ClaimState.APPROVED.value, "batch_id": None}
        if edition_id is not None:
            query["edition_id"] = edition_id
        return [doc["_id"] async for doc in self._claims.find(query, {"_id": 1})]

    async def in_batch(self, batch_id: str) -> list[Claim]:
        return await self._oldest_first({"batch_id": batch_id})

    async def _oldest_first(self, query: Document, *, skip: int = 0, limit: int = 0) -> list[Claim]:
        cursor = self._claims.find(query, {outbox.OUTBOX: 0}).sort("submitted_at", ASCENDING)
        return [_claim(doc) async for doc in cursor.skip(skip).limit(limit)]
