"""Company registrations: one document per company with its CompanyRegistered event."""

from __future__ import annotations

from pydantic import BaseModel
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.envelope import Envelope
from academy_contracts.events import CompanyRegistered
from academy_kit import idempotency, outbox
from academy_kit.mongo import Document
from academy_registration.domain.companies import CompanyFilter

COMPANIES = "companies"


class CompanyStore:
    collection = COMPANIES

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._companies = db[COMPANIES]

    async def ensure_indexes(self) -> None:
        await self._companies.create_index(idempotency.KEY, unique=True)
        await self._companies.create_index([("registered_at", ASCENDING)])

    async def first_under(self, key: str, request: BaseModel) -> CompanyRegistered | None:
        """The company first registered under this idempotency key by the same request."""
        first = await idempotency.first_result(self._companies, key, request)
        return None if first is None else _company(first)

    async def add(
        self, envelope: Envelope[CompanyRegistered], key: str | None, request: BaseModel
    ) -> tuple[CompanyRegistered, bool]:
        """Insert the company with its event: the company and True, or the one a concurrent
        retry under the same idempotency key created and False."""
        company = envelope.data
        doc = {
            "_id": company.company_id,
            **company.model_dump(mode="json", exclude={"company_id", "registered_at"}),
            "registered_at": company.registered_at,
            outbox.OUTBOX: outbox.entries([envelope]),
        }
        stored, created = await idempotency.insert_once(self._companies, doc, key, request)
        return _company(stored), created

    async def find(
        self, filters: CompanyFilter, *, skip: int, limit: int
    ) -> list[CompanyRegistered]:
        cursor = (
            self._companies.find(filters.criteria(), {outbox.OUTBOX: 0})
            .sort("registered_at", ASCENDING)
            .skip(skip)
            .limit(limit)
        )
        return [_company(doc) async for doc in cursor]

    async def count(self, filters: CompanyFilter) -> int:
        return await self._companies.count_documents(filters.criteria())


def _company(doc: Document) -> CompanyRegistered:
    return CompanyRegistered.model_validate({"company_id": doc["_id"], **doc})
