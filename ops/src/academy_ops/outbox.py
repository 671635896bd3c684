"""``academy outbox``: per service, the events written but not yet published, and how long the
oldest has waited. A growing count or age means the service's relay cannot reach Kafka, or is
not running.

Entries sit in the documents that caused them (:mod:`academy_kit.outbox`), in any collection, so
this reads every collection of each service's database: a whole-collection read on FerretDB,
fine for an operator's look now and then, not for a probe that runs every few seconds (the
services' ``academy_outbox_pending`` gauge is that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pymongo import AsyncMongoClient

from academy_kit.mongo import Document
from academy_kit.outbox import OUTBOX, PENDING

SERVICE_DATABASE_PREFIX = "academy_"
"""Services' databases are ``academy_<service>`` unless ``ACADEMY_DATABASE`` names another."""


@dataclass(frozen=True)
class Backlog:
    database: str
    pending: int
    oldest: datetime | None
    """The CloudEvents ``time`` of the oldest unpublished entry."""

    def age(self, now: datetime) -> timedelta | None:
        return now - self.oldest if self.oldest else None


async def backlogs(mongodb_uri: str, databases: Sequence[str] = ()) -> list[Backlog]:
    """The outbox backlog of each database named, or of every ``academy_*`` database."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        mongodb_uri, serverSelectionTimeoutMS=5000, tz_aware=True, appname="academy-ops"
    )
    try:
        names = list(databases) or sorted(
            name
            for name in await client.list_database_names()
            if name.startswith(SERVICE_DATABASE_PREFIX)
        )
        found = []
        for name in names:
            db = client[name]
            pending, oldest = 0, None
            for collection in await db.list_collection_names():
                async for doc in db[collection].find(PENDING, {OUTBOX: 1}):
                    for entry in doc[OUTBOX]:
                        pending += 1
                        written = _time_of(entry)
                        if written and (oldest is None or written < oldest):
                            oldest = written
            found.append(Backlog(name, pending, oldest))
        return found
    finally:
        await client.close()


def _time_of(entry: Document) -> datetime | None:
    stamp = entry.get("headers", {}).get("ce_time")
    try:
        return datetime.fromisoformat(stamp) if stamp else None
    except ValueError:
        return None
