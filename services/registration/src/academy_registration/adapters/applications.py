"""Applications: one document per application, holding its latest content, its status and,
until the relay has sent them, the events of the change that wrote it.

``cluster_key`` (edition + ECCP id) is unique among live applications: the same cluster cannot
apply twice to one edition, but may apply again after withdrawing, since withdrawal moves the
key aside. Every change is a single ``update_one`` guarded by the revision it read, so two
concurrent amendments cannot both win.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    ApplicationContent,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
)
from academy_kit import idempotency, outbox
from academy_kit.mongo import Document, document_lock
from academy_registration.domain.applications import Application, ApplicationFilter, Status
from academy_registration.domain.failures import ConcurrentChange, DuplicateApplication

APPLICATIONS = "applications"
CLUSTER_KEY = "cluster_key"
CONTENT = set(ApplicationContent.model_fields) - {"application_id", "edition_id"}


def cluster_key(edition_id: str, eccp_id: str) -> str:
    return f"{edition_id}/{eccp_id.strip().lower()}"


class ApplicationStore:
    collection = APPLICATIONS

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._applications = db[APPLICATIONS]

    async def ensure_indexes(self) -> None:
        await self._applications.create_index(
            CLUSTER_KEY, unique=True, name="one_live_application_per_cluster_and_edition"
        )
        await self._applications.create_index(idempotency.KEY, unique=True)
        await self._applications.create_index([("edition_id", ASCENDING), ("submitted_at", 1)])

    async def first_under(self, key: str, request: BaseModel) -> Application | None:
        """The application first submitted under this idempotency key by the same request."""
        first = await idempotency.first_result(self._applications, key, request)
        return None if first is None else _application(first)

    async def add(
        self, envelope: Envelope[ApplicationSubmitted], key: str | None, request: BaseModel
    ) -> tuple[Application, bool]:
        """Insert the application with its ApplicationSubmitted event in one write: the
        application and True, or the one already created under the same idempotency key and
        False; :class:`DuplicateApplication` when the cluster already applied to the edition."""
        event = envelope.data
        doc = {
            "_id": event.application_id,
            "edition_id": event.edition_id,
            "status": Status.SUBMITTED.value,
            "revision": 1,
            CLUSTER_KEY: cluster_key(event.edition_id, event.cluster.eccp_id),
            **event.model_dump(mode="json", include=CONTENT),
            "submitted_at": event.submitted_at,
            "updated_at": event.submitted_at,
            outbox.OUTBOX: outbox.entries([envelope]),
        }
        try:
            stored, created = await idempotency.insert_once(self._applications, doc, key, request)
        except DuplicateKeyError:
            await self._raise_duplicate(doc[CLUSTER_KEY])
            raise
        return _application(stored), created

    async def amend(self, envelope: Envelope[ApplicationUpdated]) -> None:
        event = envelope.data
        changes = {
            **event.model_dump(mode="json", include=CONTENT),
            CLUSTER_KEY: cluster_key(event.edition_id, event.cluster.eccp_id),
            "revision": event.revision,
            "updated_at": event.updated_at,
        }
        await self._change(event.application_id, event.revision, changes, envelope)

    async def withdraw(self, envelope: Envelope[ApplicationWithdrawn]) -> None:
        event = envelope.data
        changes = {
            "status": Status.WITHDRAWN.value,
            CLUSTER_KEY: f"withdrawn/{event.application_id}",
            "revision": event.revision,
            "withdrawal_reason": event.reason,
            "withdrawn_at": event.withdrawn_at,
            "updated_at": event.withdrawn_at,
        }
        await self._change(event.application_id, event.revision, changes, envelope)

    async def _change(
        self,
        application_id: str,
        revision: int,
        changes: Document,
        envelope: Envelope[Any],
    ) -> None:
        """Apply ``changes`` with the change's events, if the application is still at the
        revision before."""
        try:
            async with document_lock(self._applications, application_id):
                result = await self._applications.update_one(
                    {"_id": application_id, "revision": revision - 1, "status": "submitted"},
                    {
                        "$set": changes,
                        "$push": {outbox.OUTBOX: {"$each": outbox.entries([envelope])}},
                    },
                )
        except DuplicateKeyError:
            await self._raise_duplicate(changes[CLUSTER_KEY])
            raise
        if result.modified_count != 1:
            raise ConcurrentChange(application_id)

    async def _raise_duplicate(self, key: str) -> None:
        existing = await self._applications.find_one({CLUSTER_KEY: key}, {"_id": 1})
        if existing is not None:
            raise DuplicateApplication(existing["_id"]) from None

    async def get(self, application_id: str) -> Application | None:
        doc = await self._applications.find_one({"_id": application_id}, {outbox.OUTBOX: 0})
        return None if doc is None else _application(doc)

    async def find(
        self, filters: ApplicationFilter, *, skip: int = 0, limit: int = 0
    ) -> list[Application]:
        """The matching applications, oldest first (``limit`` 0: all of them)."""
        cursor = (
            self._applications.find(filters.criteria(), {outbox.OUTBOX: 0})
            .sort([("submitted_at", ASCENDING), ("_id", ASCENDING)])
            .skip(skip)
            .limit(limit)
        )
        return [_application(doc) async for doc in cursor]

    async def count(self, filters: ApplicationFilter) -> int:
        return await self._applications.count_documents(filters.criteria())

    async def naming(self, email: str) -> list[Application]:
        exactly = {"$regex": f"^{re.escape(email.strip())}$", "$options": "i"}
        cursor = self._applications.find({"participants.email": exactly}, {outbox.OUTBOX: 0})
        return [_application(doc) async for doc in cursor]

    async def record(self, application_id: str, envelope: Envelope[Any]) -> None:
        async with document_lock(self._applications, application_id):
            await self._applications.update_one(
                {"_id": application_id},
                {"$push": {outbox.OUTBOX: {"$each": outbox.entries([envelope])}}},
            )

    async def pending_events(self, application_id: str) -> int | None:
        """How many of the application's events the relay has not published yet."""
        doc = await self._applications.find_one({"_id": application_id}, {outbox.OUTBOX: 1})
        return None if doc is None else len(doc[outbox.OUTBOX])


def _application(doc: Document) -> Application:
    return Application.model_validate({"application_id": doc["_id"], **doc})
