"""One writer per service database on FerretDB: a lease that a second replica cannot take.

FerretDB 1.x applies an update as read, modify, write without isolation, so two replicas of one
service updating one document lose updates (issue 12 measured it: revisions answered OK twice,
two contents for one revision), and the per-document filter MongoDB honours (``{"_id": …,
"revision": n}``) is no guard there. :func:`academy_kit.mongo.document_lock` serialises updates
within one process; this module makes sure there is only one process per database.

What FerretDB does make atomic is the uniqueness of ``_id``: of many racing inserts of one
``_id``, exactly one succeeds. So the lease is a series of documents, one per generation
(``_id`` ``generation-000000000001``, ``…2``, …), each written by its holder alone:

- a replica takes generation ``n + 1`` by inserting it, only when generation ``n`` has expired;
  of two replicas racing for it one insert wins and the other sees a duplicate key;
- the holder renews by pushing its own document's ``expires_at`` forward every third of the
  lease time, after checking that no generation ``n + 1`` exists (only the holder writes its
  document, so the renewals themselves cannot be lost);
- a replica that finds the lease held waits up to ``writer_lease_wait_seconds`` (a replacement
  of a killed replica takes over once the dead one's lease expires) and then refuses to start,
  naming the holder;
- a clean stop expires the lease at once, so a restart need not wait.

A holder that could not renew for a whole lease time (a process frozen that long) may find a
newer generation when it resumes: it reports itself stuck, so readiness answers 503 and the
orchestrator takes it out of service, and logs why. Between its last renewal and that check it
may still write: the lease bounds the overlap to a frozen holder, it does not fence it. Clocks
of the replicas are assumed to agree to well within the lease time (30 s by default).

On MongoDB no lease is taken: the version filters on each update are honoured there, and any
number of replicas may run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from academy_kit import health
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_kit.settings import ServiceSettings

log = logging.getLogger(__name__)

COLLECTION = "writer_lease"
PART = "writer lease"


class LeaseHeld(RuntimeError):
    """Another replica holds this database's writer lease."""


def needs_lease(build_info: dict[str, Any]) -> bool:
    """Whether the server answering ``buildInfo`` is FerretDB (which names its own version)."""
    return "ferretdbVersion" in build_info


def _id(generation: int) -> str:
    return f"generation-{generation:012d}"


class WriterLease:
    """The writer lease of one database, as one replica (``holder``) sees it."""

    def __init__(self, collection: AsyncCollection[Document], holder: str, ttl: timedelta) -> None:
        self.collection = collection
        self.holder = holder
        self.ttl = ttl
        self.generation = 0

    async def take(self) -> Document | None:
        """Take the lease if it is free or expired; ``None`` when taken, else the holder's
        document."""
        latest = await self.collection.find_one(sort=[("generation", -1)])
        if latest is not None and latest["expires_at"] > now():
            return latest
        generation = latest["generation"] + 1 if latest is not None else 1
        try:
            await self.collection.insert_one(
                {
                    "_id": _id(generation),
                    "generation": generation,
                    "holder": self.holder,
                    "taken_at": now(),
                    "expires_at": now() + self.ttl,
                }
            )
        except DuplicateKeyError:  # another replica took this generation first
            return await self.collection.find_one({"_id": _id(generation)}) or {}
        self.generation = generation
        await self.collection.delete_many({"generation": {"$lt": generation - 1}})
        return None

    async def renew(self) -> bool:
        """Push this holder's lease forward; ``False`` when a newer generation took it."""
        if await self.collection.find_one({"_id": _id(self.generation + 1)}) is not None:
            return False
        await self.collection.update_one(
            {"_id": _id(self.generation)}, {"$set": {"expires_at": now() + self.ttl}}
        )
        return True

    async def release(self) -> None:
        if await self.collection.find_one({"_id": _id(self.generation + 1)}) is None:
            await self.collection.update_one(
                {"_id": _id(self.generation)}, {"$set": {"expires_at": now()}}
            )

    async def acquire(self, wait: timedelta) -> None:
        """Take the lease, waiting up to ``wait`` for the holder's to expire; raise
        :class:`LeaseHeld` otherwise."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait.total_seconds()
        while True:
            try:
                holder = await self.take()
            except ConnectionFailure as exc:
                holder = {"holder": f"nobody known (the store does not answer: {exc})"}
            if holder is None:
                log.info("writer lease generation %d taken by %s", self.generation, self.holder)
                return
            if loop.time() >= deadline:
                raise LeaseHeld(_held_message(self.collection, holder))
            log.warning("%s; waiting for it to expire", _held_message(self.collection, holder))
            await asyncio.sleep(min(self.ttl.total_seconds() / 3, deadline - loop.time()))

    async def keep(self) -> None:
        """Renew every third of the lease time until cancelled; report a lost lease."""
        while True:
            await asyncio.sleep(self.ttl.total_seconds() / 3)
            try:
                renewed = await self.renew()
            except ConnectionFailure as exc:
                log.warning("writer lease not renewed, the store does not answer: %s", exc)
                continue
            if not renewed:
                health.report_stuck(
                    PART,
                    f"another replica took the writer lease of {self.collection.database.name}; "
                    "stop this replica (FerretDB serves one writer per database)",
                )
                return


def _held_message(collection: AsyncCollection[Document], holder: Document) -> str:
    expires = holder.get("expires_at")
    until = f" until {expires.isoformat()}" if isinstance(expires, datetime) else ""
    return (
        f"database {collection.database.name} is written by another replica "
        f"({holder.get('holder', 'unknown')}){until}: FerretDB cannot serialise updates across "
        "processes, so run one replica of a service on FerretDB (or use MongoDB)"
    )


def holder_name() -> str:
    """This replica as the lease names it: host, process and a random part (two apps of one
    service in one process are two holders)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@contextlib.asynccontextmanager
async def single_writer(settings: ServiceSettings) -> AsyncIterator[None]:
    """Hold the writer lease of the service's database for the duration of the block when the
    store is FerretDB (see the module doc); on MongoDB, nothing."""
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongodb_uri, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    try:
        if not needs_lease(await client.admin.command("buildInfo")):
            yield
            return
        lease = WriterLease(
            client[settings.database_name][COLLECTION],
            holder_name(),
            timedelta(seconds=settings.writer_lease_seconds),
        )
        await lease.acquire(timedelta(seconds=settings.writer_lease_wait_seconds))
        keeper = asyncio.create_task(lease.keep(), name="writer-lease")
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            with contextlib.suppress(ConnectionFailure):
                await lease.release()
    finally:
        await client.close()
