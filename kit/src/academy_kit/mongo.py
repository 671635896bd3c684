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
from datetime import UTC, datetime
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


def bson_instant(instant: datetime) -> datetime:
    """``instant`` at the precision BSON dates keep (milliseconds), so an instant compares equal
    to itself once stored and read back (a redelivered event, a document and its event)."""
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)


def now() -> datetime:
    """The current UTC instant at the precision BSON dates keep."""
    return bson_instant(datetime.now(UTC))


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
