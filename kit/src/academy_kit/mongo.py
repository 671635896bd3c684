"""The service's own MongoDB database, through PyMongo's async API.

Documents keep to what both MongoDB and FerretDB 1.x serve: no transactions, no Decimal128
(FerretDB 1.x drops the connection on it, so money is stored as decimal strings), no TTL or
partial indexes, and ``$pull`` only by whole value (a condition matches nothing).
"""

from __future__ import annotations

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
