"""A replay on the real servers: after a short story (a cohort applied, screened, reviewed,
selected, one participant checked in), selection's, reimbursement's and registration's
projections are rebuilt from the topics into empty databases by their own handlers and compared,
document by document, with the live ones; the replay published nothing and moved no consumer
group. Each replay reads from where its live group started to where it stopped.

Only the story's documents are compared (its editions and what hangs on them): the shared
topics carry other tests' events, which both the live services and the replay also see."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from pymongo import AsyncMongoClient

from academy_contracts.registry import Topic
from academy_kit.mongo import Document
from academy_kit.replay import Replayable
from academy_local.servers import start_at_the_end
from academy_ops.records import read_range
from academy_ops.replay import REPLAY_LOG, Offsets, rebuild
from academy_registration.adapters.admissions import ADMISSIONS
from academy_registration.entrypoints.main import create_app as registration_app
from academy_registration.entrypoints.main import replayable as registration_replay
from academy_registration.settings import RegistrationSettings
from academy_reimbursement.entrypoints.main import create_app as reimbursement_app
from academy_reimbursement.entrypoints.main import replayable as reimbursement_replay
from academy_reimbursement.settings import ReimbursementSettings
from academy_selection.entrypoints.main import create_app as selection_app
from academy_selection.entrypoints.main import replayable as selection_replay
from academy_selection.settings import SelectionSettings
from tests.support.observe import TopicRecorder, topic_partitions
from tests.support.story import CHECKIN, Clients, set_up_cohort

pytestmark = pytest.mark.integration

TOPICS = [t.value for t in Topic]
SCREENED = b"org.euromed.academy.application.screened.v1"

IGNORED: dict[str, dict[str, set[str]]] = {
    "selection": {
        # Screened again by the replay, at the replay's own time.
        "applications": {"screening.screened_at"},
        # Staff set them through selection's API; no event carries them (a swap keeps them).
        "editions": {"review_policy", "balance"},
    },
}
"""The fields that legitimately differ between a live document and its replayed twin. The
outbox is compared apart: empty in the replay, whatever the live relay has not yet sent."""


async def _committed(bootstrap: str, group: str) -> Offsets:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        found = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp: at.offset for tp, at in found.items() if at.offset >= 0}


async def _screened_at_on_the_topic(
    bootstrap: str, starts: Offsets, keys: set[str]
) -> set[datetime]:
    """When the ApplicationScreened records of these applications, from ``starts`` to the end
    now, say they were screened. Other tests' selection services screen the same applications
    on the shared topics, so the replay's screenings are told apart by their instant."""
    partitions = await topic_partitions(bootstrap, [Topic.APPLICATIONS.value])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
        found = set()
        async for r in read_range(consumer, {tp: starts[tp] for tp in partitions}, ends):
            if (r.key or b"").decode() in keys and dict(r.headers).get("ce_type") == SCREENED:
                found.add(datetime.fromisoformat(json.loads(r.value or b"")["screened_at"]))
        return found
    finally:
        await consumer.stop()


async def _screened_at_in(
    client: AsyncMongoClient[Document], database: str, edition_id: str
) -> set[datetime]:
    cursor = client[database]["applications"].find({"edition_id": edition_id})
    return {datetime.fromisoformat(doc["screening"]["screened_at"]) async for doc in cursor}


def _without(doc: Document, paths: Iterable[str]) -> Document:
    doc = {k: v for k, v in doc.items() if k != "outbox"}
    for path in paths:
        *parents, leaf = path.split(".")
        inner: Any = doc
        for name in parents:
            inner = inner.get(name) if isinstance(inner, dict) else None
        if isinstance(inner, dict):
            inner.pop(leaf, None)
    return doc


async def _compare(
    client: AsyncMongoClient[Document],
    service: str,
    live: str,
    replayed: str,
    ours: dict[str, Document],
) -> int:
    """Assert that the story's documents of each collection are the same in both databases,
    but for the ignored fields and the outbox, and that the replay left no outbox entry; the
    number of documents compared."""
    compared = 0
    for collection, query in ours.items():
        ignored = IGNORED.get(service, {}).get(collection, set())
        both = []
        for database in (live, replayed):
            cursor = client[database][collection].find(query).sort("_id", 1)
            both.append([doc async for doc in cursor])
        live_docs, replayed_docs = both
        assert all(not doc.get("outbox") for doc in replayed_docs), (service, collection)
        assert [_without(d, ignored) for d in replayed_docs] == [
            _without(d, ignored) for d in live_docs
        ], (service, collection)
        compared += len(live_docs)
    return compared


async def _replay(
    part: Replayable, database: str, starts: Offsets, ends: Offsets, story: set[str]
) -> None:
    """Replay; the story's events (subjects: its editions and applications) must not fail.
    Other tests' events may (a poison event sent on purpose), as they did for the live one."""
    done = await rebuild(part, database, starts=starts, ends=ends)
    assert [str(f) for f in done.failed if f.subject in story] == []
    assert done.handled > 0


async def test_a_replay_rebuilds_selection_and_reimbursement_as_they_were(
    servers: Any, uid: str, service_settings: Any, run_app: Any, eventually: Any
) -> None:
    bootstrap = servers.kafka_bootstrap
    reg = service_settings(RegistrationSettings)
    sel = service_settings(SelectionSettings)
    rei = service_settings(ReimbursementSettings)
    groups = [s.group_id for s in (reg, sel, rei)]
    for group in groups:
        await start_at_the_end(bootstrap, group, TOPICS)
    starts = {g: await _committed(bootstrap, g) for g in groups}
    cohort_id, open_id = f"k{uid}a", f"k{uid}b"
    replayed = {
        "registration": f"t_replay_reg_{uid}",
        "selection": f"t_replay_sel_{uid}",
        "reimbursement": f"t_replay_rei_{uid}",
    }
    recorder = TopicRecorder(bootstrap, TOPICS, {cohort_id, open_id})
    client: AsyncMongoClient[Document] = AsyncMongoClient(servers.mongodb_uri, tz_aware=True)
    nowhere = httpx.AsyncClient(base_url="http://notification.invalid")  # the story needs none
    await recorder.start()
    try:
        async with (
            run_app(registration_app(reg)) as registration,
            run_app(selection_app(sel)) as selection,
            run_app(reimbursement_app(rei)) as reimbursement,
        ):
            clients = Clients(registration, selection, nowhere, reimbursement)
            cohort = await set_up_cohort(clients, uid, 3, recorder.selected[cohort_id])
            member = cohort.members[0]
            answer = await registration.post(
                f"/v1/editions/{cohort_id}/sessions/s1/check-ins",
                json={"participant_id": member.participant_id},
                headers=CHECKIN,
            )
            assert answer.status_code in (200, 201), answer.text
            attendance = {"_id": f"{cohort_id}/{member.participant_id}/s1"}

            async def attended() -> bool:
                found = await client[rei.database_name]["attendance"].find_one(attendance)
                return found is not None

            await eventually(attended, timeout=120, interval=1)
        # Stopped: each live service has handled what its group committed, and no more.
        ends = {g: await _committed(bootstrap, g) for g in groups}
        cohort_apps = client[sel.database_name]["applications"].find({"edition_id": cohort_id})
        applications = {doc["_id"] async for doc in cohort_apps}
        live_screenings = await _screened_at_in(client, sel.database_name, cohort_id)

        story = {cohort_id, open_id, *applications, *(m.participant_id for m in cohort.members)}
        parts = [
            (selection_replay(sel), "selection"),
            (registration_replay(reg), "registration"),
            (reimbursement_replay(rei), "reimbursement"),
        ]
        await asyncio.gather(
            *(
                _replay(part, replayed[name], starts[part.settings.group_id],
                        ends[part.settings.group_id], story)
                for part, name in parts
            )
        )  # fmt: skip

        assert {g: await _committed(bootstrap, g) for g in groups} == ends
        published = await _screened_at_on_the_topic(bootstrap, starts[sel.group_id], applications)
        replay_screenings = await _screened_at_in(client, replayed["selection"], cohort_id)
        editions = {"_id": {"$in": [cohort_id, open_id]}}
        of_cohort = {"edition_id": cohort_id}
        selection_docs = await _compare(
            client,
            "selection",
            sel.database_name,
            replayed["selection"],
            {"applications": of_cohort, "editions": editions, "awaiting_edition": of_cohort},
        )
        reimbursement_docs = await _compare(
            client,
            "reimbursement",
            rei.database_name,
            replayed["reimbursement"],
            {"applications": of_cohort, "editions": editions, "attendance": of_cohort},
        )
        admissions = await _compare(
            client,
            "registration",
            reg.database_name,
            replayed["registration"],
            {ADMISSIONS: of_cohort},
        )
        kept = await client[replayed["selection"]].list_collection_names()
        log = await client[replayed["selection"]][REPLAY_LOG].find_one()
    finally:
        await nowhere.aclose()
        await recorder.stop()
        for name in replayed.values():
            await client.drop_database(name)
        await client.close()

    assert len(applications) == 3
    # The live screenings were published, and not one of the replay's own.
    assert len(live_screenings) == len(replay_screenings) == 3
    assert live_screenings <= published
    assert not replay_screenings & published
    # 3 applications and 2 editions; the cohort's selected clusters, its 2 editions (the open
    # one has no cohort yet in reimbursement but is known) and the one check-in.
    assert selection_docs == 5
    assert reimbursement_docs >= 4
    assert admissions == 3
    assert set(kept) <= {"applications", "editions", "awaiting_edition", REPLAY_LOG}
    assert log is not None
    assert log["source_database"] == sel.database_name
