"""The service's own MongoDB database, through PyMongo's async API.

Documents keep to what both MongoDB and FerretDB 1.x serve: no transactions, no Decimal128
(FerretDB 1.x drops the connection on it, so money is stored as decimal strings), no TTL or
partial indexes, and ``$pull`` only by whole value (a condition matches nothing).

FerretDB 1.x (SQLite backend) also applies an update as read, modify, write without isolation:
two concurrent updates of one document lose one of them (measured: 60 of 200 ``$set`` and 135
of 200 ``$pull`` lost when raced). So every update of an existing document in a service goes
through :func:`document_lock`, which serialises updates of one document within the process.
With FerretDB, run one replica per service; MongoDB itself has no such limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit.settings import ServiceSettings

Document = dict[str, Any]


def connect(
    settings: ServiceSettings,
) -> tuple[AsyncMongoClient[Document], AsyncDatabase[Document]]:
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongodb_uri,
        serverSelectionTimeoutMS=5000,
        tz_aware=True,
        appname=settings.service_name,
    )
    return client, client[settings.database_name]


@contextlib.asynccontextmanager
async def connected(settings: ServiceSettings) -> AsyncIterator[AsyncDatabase[Document]]:
    """The service's database for the duration of the block (a service's lifespan)."""
    client, db = connect(settings)
    try:
        yield db
    finally:
        await client.close()


_locks: weakref.WeakValueDictionary[tuple[str, str, Any], asyncio.Lock] = (
    weakref.WeakValueDictionary()
)


def document_lock(collection: AsyncCollection[Document], document_id: Any) -> asyncio.Lock:
    """The lock every update of this document in this process holds (see the module doc)."""
    key = (collection.database.name, collection.name, document_id)
    lock = _locks.get(key)
    if lock is None:
        lock = _locks[key] = asyncio.Lock()
    return lock


async def keep_newer(
    collection: AsyncCollection[Document],
    document_id: Any,
    order: tuple[str, Any],
    changes: Document,
    *,
    on_insert: Document | None = None,
    push: Document | None = None,
) -> bool:
    """Apply ``changes`` (``$set``) to the document unless it already holds something as new:
    "keep the newest revision", "the latest decision wins". ``order`` names the field that
    orders versions and this version's value (``("revision", 3)``, ``("decided_at", t)``); a
    document without the field is older than anything. ``on_insert`` fields are set only when
    the document is created, ``push`` (``{"outbox": {"$each": [...]}}``) is pushed in the same
    write. True if the change was applied.

    The document is read and written by ``_id`` alone, under :func:`document_lock`: FerretDB
    reads a whole collection for any other filter, and a conditional filter is no
    compare-and-set there (see the module doc)."""
    field, value = order
    async with document_lock(collection, document_id):
        stored = await collection.find_one({"_id": document_id}, {field: 1})
        if stored is not None and field in stored and stored[field] >= value:
            return False
        update: Document = {"$set": {**changes, field: value}}
        if on_insert:
            update["$setOnInsert"] = on_insert
        if push:
            update["$push"] = push
        await collection.update_one({"_id": document_id}, update, upsert=True)
    return True
