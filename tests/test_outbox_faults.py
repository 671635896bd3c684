"""The outbox under faults: with Kafka down a submission still succeeds, and its event is
published exactly once when the broker is back; the service's consumers, which could not start
with the broker down, start once it answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from academy_contracts.events import ClusterProfile, ClusterSelected
from academy_contracts.registry import Topic
from academy_contracts.values import Participant
from academy_kit.outbox import OUTBOX, PENDING
from academy_local import servers as local
from academy_local.probes import kafka_answers
from academy_registration.entrypoints.main import OUTBOX_COLLECTIONS, create_app
from academy_registration.settings import RegistrationSettings

pytestmark = pytest.mark.integration


# A broker of its own, so stopping it cannot disturb the rest of the suite.
FAULT_STACK = local.Stack("fault", kafka_port=29092, controller_port=29093, mongo_port=0)


@pytest.fixture
def broker_down() -> Any:
    local.down(FAULT_STACK, wipe=True)
    yield FAULT_STACK
    local.down(FAULT_STACK, wipe=True)


async def test_with_kafka_down_submissions_succeed_and_all_flows_once_it_is_back(
    servers: Any,
    uid: str,
    run_app: Any,
    eventually: Any,
    application_form: Any,
    broker_down: local.Stack,
    topic_records: Any,
    service_settings: Any,
    open_edition: Any,
    sending: Any,
    staff_headers: Any,
) -> None:
    app = create_app(
        service_settings(RegistrationSettings, kafka_bootstrap_servers=broker_down.kafka_bootstrap)
    )
    async with run_app(app) as registration:
        assert not await kafka_answers(broker_down.kafka_bootstrap)
        await open_edition(registration, f"ed-{uid}")
        response = await registration.post("/v1/applications", json=application_form(f"ed-{uid}"))
        assert response.status_code == 201, response.text
        application_id = response.json()["application_id"]
        assert (
            await app.state.applications.store.pending_events(application_id) == 1
        )  # waits for the broker

        async def backlog_is(expected: str) -> bool:
            metrics = (await registration.get("/metrics")).text
            return f'academy_outbox_pending{{service="registration"}} {expected}' in metrics.split(
                "\n"
            )

        async def waiting_in_store() -> int:
            """The outbox entries registration's documents hold: its events not published."""
            db = app.state.db
            return sum(
                [
                    len(doc[OUTBOX])
                    for name in OUTBOX_COLLECTIONS
                    async for doc in db[name].find(PENDING, {OUTBOX: 1})
                ]
            )

        # Operators see every event waiting. The gauge counts the entries the relay read and
        # could not publish at its last attempt; each write kicks the relay with its document,
        # and a failed attempt keeps those documents on its list, so every later attempt reads
        # them all again: the first edition seeded at start, this test's edition and the
        # application, one event each, all waiting for the broker.
        waiting = await waiting_in_store()
        assert waiting == 3
        await eventually(lambda: backlog_is(str(float(waiting))))

        local.start_kafka(broker_down)
        await eventually(lambda: kafka_answers(broker_down.kafka_bootstrap), timeout=90)
        await local.create_topics(broker_down.kafka_bootstrap, partitions=3)

        async def outbox_empty() -> bool:
            pending: int | None = await app.state.applications.store.pending_events(application_id)
            return pending == 0

        await eventually(outbox_empty, timeout=60)
        await eventually(lambda: backlog_is("0.0"))

        receipt = response.json()
        selected = ClusterSelected(
            application_id=application_id,
            edition_id=f"ed-{uid}",
            cluster=ClusterProfile.model_validate(receipt["cluster"]),
            participants=[Participant.model_validate(p) for p in receipt["participants"]],
            selected_at=datetime.now(UTC),
        )
        async with sending(broker_down.kafka_bootstrap) as send:
            await send(selected)

        async def admitted() -> Any:
            response = await registration.get(
                f"/v1/editions/ed-{uid}/participants", headers=staff_headers("checkin")
            )
            return response.json()

        [cluster] = await eventually(admitted, timeout=60)
        assert cluster["application_id"] == application_id

    records = await topic_records(
        broker_down.kafka_bootstrap, Topic.APPLICATIONS, lambda r: r.key == application_id.encode()
    )
    assert len(records) == 1
