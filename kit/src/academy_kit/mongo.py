"""The service's own MongoDB database, through PyMongo's async API.

Documents keep to what both MongoDB and FerretDB 1.x serve: no transactions, no Decimal128
(FerretDB 1.x drops the connection on it, so money is stored as decimal strings), no TTL or
partial indexes, and ``$pull`` only by whole value (a condition matches nothing).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo import AsyncMongoClient
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


def now() -> datetime:
    """The current UTC instant at the precision BSON dates keep (milliseconds), so an event and
    the document that records it carry the same time."""
    instant = datetime.now(UTC)
    return instant.replace(microsecond=instant.microsecond // 1000 * 1000)
