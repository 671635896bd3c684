"""Company registrations: one document per company with its CompanyRegistered event."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import CompanyRegistered
from academy_kit import idempotency, outbox
from academy_kit.mongo import Document

COMPANIES = "companies"


class CompanyStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._companies = db[COMPANIES]

    async def ensure_indexes(self) -> None:
        await self._companies.create_index(idempotency.KEY, unique=True)
        await self._companies.create_index([("registered_at", ASCENDING)])

    async def add(self, envelope: Envelope[CompanyRegistered], keyed: Document) -> Document:
        """Insert the company with its event; the existing document when ``keyed`` names an
        idempotency key already used (a concurrent retry)."""
        company = envelope.data
        doc = {
            "_id": company.company_id,
            **company.model_dump(mode="json", exclude={"company_id", "registered_at"}),
            "registered_at": company.registered_at,
            **keyed,
            outbox.OUTBOX: outbox.entries([envelope]),
        }
        try:
            await self._companies.insert_one(doc)
        except DuplicateKeyError:
            existing = await self._companies.find_one({idempotency.KEY: keyed[idempotency.KEY]})
            if existing is None:
                raise
            return existing
        return doc

    async def by_idempotency_key(self, key: str) -> Document | None:
        return await self._companies.find_one(idempotency.lookup(key), {outbox.OUTBOX: 0})

    async def find(self, filters: dict[str, Any], *, skip: int, limit: int) -> list[Document]:
        cursor = (
            self._companies.find(filters, {outbox.OUTBOX: 0})
            .sort("registered_at", ASCENDING)
            .skip(skip)
            .limit(limit)
        )
        return [doc async for doc in cursor]

    async def count(self, filters: dict[str, Any]) -> int:
        return await self._companies.count_documents(filters)
