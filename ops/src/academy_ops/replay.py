"""``academy replay``: a service's projections rebuilt from the topics into a fresh database.

The service's own handlers do the work (its subscription table, built on the new database by
its composition root's ``replayable``: :mod:`academy_kit.replay`), so a projection is written
by one piece of code whether live or replayed. The replay changes nothing outside the new
database: it reads the topics without a consumer group (no group's offsets move), its handlers
have no outbox relay and no mail or webhook dispatcher, and what they write besides the rebuilt
collections (outbox entries, drafted messages, webhook deliveries, certificates) is removed from
the new database before it is reported done. Like the live consumer, the replay honours
PersonalDataErased and starts from the live tombstones, so no one erased comes back.

Records are handed over in the order of their Kafka timestamps across all the partitions read,
not partition after partition: the service's handlers are written for events arriving roughly
as they were published (an edition before the applications it screens), and a replay that
read one topic to its end before the next would show them a history that never happened.
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from academy_contracts.envelope import InvalidEvent, from_kafka
from academy_kit import erasure
from academy_kit.consumer import transient
from academy_kit.mongo import Document
from academy_kit.outbox import OUTBOX, PENDING
from academy_kit.replay import Replayable
from academy_kit.subscriptions import dispatcher, topics_of
from academy_ops.records import Record, bootstrap_consumer, partitions_of, stop

SERVICES: Mapping[str, str] = {
    "registration": "academy_registration.entrypoints.main",
    "selection": "academy_selection.entrypoints.main",
    "notification": "academy_notification.entrypoints.main",
    "reimbursement": "academy_reimbursement.entrypoints.main",
    "documents": "academy_documents.entrypoints.main",
}
"""Each service's composition root, whose ``replayable()`` gives its part: a new service (or a
new projection of one) is replayable once its root has that function and it is named here."""

REPLAY_LOG = "replay_log"
"""The new database's note of each replay into it: service, source, offsets reached."""

_COPY_BATCH = 500
Offsets = dict[TopicPartition, int]
Progress = Callable[[int, int], None]
"""Told (records read, records to read) after each record."""


class ReplayRefused(ValueError):
    """The replay would write where it must not (the live database, a database in use)."""


def _silent(read: int, total: int) -> None:
    """The progress of a replay nobody watches."""


def replayable(service: str) -> Replayable:
    """The service's part in a replay, with its settings from the environment (the variables
    the service itself reads: ``ACADEMY_DATABASE``, ``ACADEMY_CONSUMER_GROUP``, ...)."""
    module = importlib.import_module(SERVICES[service])
    factory: Callable[[], Replayable] = module.replayable
    return factory()


@dataclass(frozen=True)
class Failure:
    """An event the service's handlers failed on in the replay."""

    type: str
    id: str
    subject: str
    error: str

    def __str__(self) -> str:
        return f"{self.type} id={self.id} subject={self.subject}: {self.error}"


@dataclass
class Replayed:
    """What a replay did: records handed to the handlers, the events they failed on (the live
    consumer dead-lettered the same ones), records that are no event, and where it stopped."""

    database: str
    handled: int = 0
    failed: list[Failure] = field(default_factory=list)
    undecodable: int = 0
    reached: Offsets = field(default_factory=dict)


def default_database(live: str, at: datetime | None = None) -> str:
    """``<live database>_replay_<UTC time>``: a new name each second, within MongoDB's rules."""
    return f"{live}_replay_{(at or datetime.now(UTC)).strftime('%Y%m%dT%H%M%S')}"


async def rebuild(
    part: Replayable,
    database: str,
    *,
    starts: Offsets | None = None,
    ends: Offsets | None = None,
    progress: Progress = _silent,
    fresh: bool = True,
) -> Replayed:
    """Rebuild ``part``'s projections into the empty ``database`` from the records between
    ``starts`` (default: each partition's beginning) and ``ends`` (default: each partition's end
    now, so a replay stops at what was there when it began); ``fresh=False`` goes on in a
    database an earlier replay made (:func:`finish`).

    The one function every replay goes through (``academy replay``, tests, other tools)."""
    settings = part.settings
    if database == settings.database_name:
        raise ReplayRefused(f"{database} is the live database of {settings.service_name}")
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongodb_uri, serverSelectionTimeoutMS=5000, tz_aware=True, appname="academy-ops"
    )
    consumer = bootstrap_consumer(settings.kafka_bootstrap_servers)
    try:
        db = client[database]
        if fresh and await db.list_collection_names():
            raise ReplayRefused(f"{database} is not empty: replay into a new database")
        await _carry_tombstones(client[settings.database_name], db)
        table = erasure.honoured(await part.subscriptions(db), erasure.Eraser(db))
        dispatch = dispatcher(table)
        await consumer.start()
        partitions = [
            tp
            for topic in topics_of(table)
            for tp in await partitions_of(settings.kafka_bootstrap_servers, topic.value)
        ]
        ends = ends if ends is not None else await consumer.end_offsets(partitions)
        if starts is None:
            starts = await consumer.beginning_offsets(partitions)
        done = Replayed(database, reached=dict(ends))
        total = sum(max(0, ends[tp] - starts.get(tp, ends[tp])) for tp in ends)
        read = 0
        async for record in in_time_order(consumer, starts, ends):
            read += 1
            try:
                envelope = from_kafka(
                    {k: bytes(v or b"") for k, v in record.headers}, record.value or b""
                )
            except InvalidEvent:
                done.undecodable += 1
            else:
                try:
                    await dispatch(envelope)
                    done.handled += 1
                except Exception as exc:
                    if transient(exc):
                        raise
                    error = f"{type(exc).__name__}: {exc}"[:500]
                    done.failed.append(Failure(envelope.type, envelope.id, envelope.subject, error))
            progress(read, total)
        await _keep_only_projections(db, part)
        await _note(db, part, done)
        return done
    finally:
        await stop(consumer)
        await client.close()


async def in_time_order(
    consumer: AIOKafkaConsumer, starts: Offsets, ends: Offsets
) -> AsyncIterator[Record]:
    """The records of every partition from ``starts`` up to (not including) ``ends``, merged
    by timestamp (ties in partition order): at each step the oldest record at the head of any
    partition, which needs one record of each unfinished partition at hand."""
    left = {tp: end for tp, end in ends.items() if starts.get(tp, end) < end}
    consumer.assign(list(ends))
    for tp in left:
        consumer.seek(tp, starts[tp])
    heads: dict[TopicPartition, deque[Record]] = {tp: deque() for tp in left}
    while left:
        hungry = []
        for tp in [tp for tp in left if not heads[tp]]:
            # A partition can end on offsets without a record (transaction markers, records
            # removed by retention): its position says it is finished, not a record.
            if await consumer.position(tp) >= left[tp]:
                del left[tp]
            else:
                hungry.append(tp)
        if hungry:
            batches = await consumer.getmany(*hungry, timeout_ms=1000)
            for tp, records in batches.items():
                heads[tp].extend(r for r in records if r.offset < left[tp])
        elif left:
            oldest = min(left, key=lambda tp: (heads[tp][0].timestamp, tp.topic, tp.partition))
            yield heads[oldest].popleft()


async def _carry_tombstones(live: AsyncDatabase[Document], new: AsyncDatabase[Document]) -> None:
    """Start from the live service's tombstones, so the people erased stay erased even in a
    replay that begins after their PersonalDataErased (:mod:`academy_kit.erasure`)."""
    async for doc in live[erasure.TOMBSTONES].find({}):
        await new[erasure.TOMBSTONES].insert_one(doc)


async def _keep_only_projections(db: AsyncDatabase[Document], part: Replayable) -> None:
    """Remove what the replayed handlers wrote that is not a projection: other collections, and
    the outbox entries of the events the live service already published once. The tombstones of
    erased people stay."""
    for name in await db.list_collection_names():
        if name not in part.rebuilt and name not in (REPLAY_LOG, erasure.TOMBSTONES):
            await db.drop_collection(name)
    for name in part.rebuilt:
        await db[name].update_many(PENDING, {"$set": {OUTBOX: []}})


async def _note(db: AsyncDatabase[Document], part: Replayable, done: Replayed) -> None:
    settings = part.settings
    await db[REPLAY_LOG].insert_one(
        {
            "service": settings.service_name,
            "source_database": settings.database_name,
            "consumer_group": settings.group_id,
            "finished_at": datetime.now(UTC),
            "handled": done.handled,
            "failed": [str(failure) for failure in done.failed],
            "undecodable": done.undecodable,
            "reached": [
                {"topic": tp.topic, "partition": tp.partition, "offset": offset}
                for tp, offset in sorted(done.reached.items())
            ],
        }
    )


@dataclass(frozen=True)
class Finished:
    """What :func:`finish` did: events replayed since the replay, collections copied whole from
    the live database, documents given their staff-written fields and unpublished outbox
    entries, and live documents of rebuilt collections that the replay did not rebuild."""

    caught_up: Replayed
    copied: list[str]
    completed: int
    unmatched: int


async def finish(part: Replayable, database: str, progress: Progress = _silent) -> Finished:
    """Make the replayed ``database`` ready to serve, with the service stopped: replay what its
    consumer group handled since the replay stopped, then copy from the live database what
    events do not rebuild (the other collections whole; in the rebuilt ones, the staff-written
    fields and the outbox entries the live service has not published yet). The service then
    starts on it in the same consumer group and goes on from where it stopped.

    Refused while a member of the group is running (the live database would still change),
    and when the group is behind the replay (the replay dropped the events the live service
    would still publish for those records: let it catch up, stop it, finish again)."""
    settings = part.settings
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        settings.mongodb_uri, serverSelectionTimeoutMS=5000, tz_aware=True, appname="academy-ops"
    )
    await admin.start()
    try:
        db, live = client[database], client[settings.database_name]
        last = await db[REPLAY_LOG].find_one({}, sort=[("finished_at", -1)])
        if last is None or last["service"] != settings.service_name:
            raise ReplayRefused(f"{database} holds no replay of {settings.service_name}")
        if not await _stopped(admin, settings.group_id):
            raise ReplayRefused(f"{settings.group_id} still has members: stop the service first")
        committed = {
            tp: at.offset
            for tp, at in (await admin.list_consumer_group_offsets(settings.group_id)).items()
            if at.offset >= 0
        }
        reached = {TopicPartition(r["topic"], r["partition"]): r["offset"] for r in last["reached"]}
        behind = [
            f"{tp.topic}[{tp.partition}]" for tp, at in reached.items() if committed.get(tp, 0) < at
        ]
        if behind:
            raise ReplayRefused(
                f"{settings.group_id} is behind the replay on {', '.join(behind)}: start the "
                "service on its live database until its lag is 0, stop it, and finish again"
            )
        caught_up = await rebuild(
            part,
            database,
            starts=reached,
            ends={tp: committed[tp] for tp in reached},
            progress=progress,
            fresh=False,
        )
        copied = []
        for name in await live.list_collection_names():
            if name in part.rebuilt:
                continue
            await db.drop_collection(name)
            batch: list[Document] = []
            async for doc in live[name].find({}):
                batch.append(doc)
                if len(batch) >= _COPY_BATCH:
                    await db[name].insert_many(batch)
                    batch = []
            if batch:
                await db[name].insert_many(batch)
            copied.append(name)
        completed = unmatched = 0
        for name, fields in part.rebuilt.items():
            kept = (*fields, OUTBOX)
            async for doc in live[name].find({}, {f: 1 for f in kept}):
                values = {f: doc[f] for f in kept if f in doc and doc[f] not in (None, [])}
                if not values:
                    continue
                result = await db[name].update_one({"_id": doc["_id"]}, {"$set": values})
                completed += result.matched_count
                unmatched += 1 - result.matched_count
        return Finished(caught_up, copied, completed, unmatched)
    finally:
        await admin.close()
        await client.close()


async def _stopped(admin: AIOKafkaAdminClient, group: str) -> bool:
    """Whether ``group`` has no member (its state ``Empty``, or ``Dead`` if it never had one).
    aiokafka 0.14 was seen failing to decode the answer about a group with members here (and
    dropping the connection): that counts as running."""
    try:
        [answer] = await admin.describe_consumer_groups([group])
    except KafkaError:
        return False
    return all(described[2] in ("Empty", "Dead") for described in answer.groups)
