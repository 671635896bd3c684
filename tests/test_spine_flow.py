"""The first real flow on the spine: registration publishes ApplicationSubmitted to the real
broker; selection consumes it into its own database on the real MongoDB-wire server, once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from aiokafka import AIOKafkaProducer

from academy_contracts.registry import Topic, dead_letter_topic, spec_for_type
from academy_registration.entrypoints.main import create_app as registration_app
from academy_registration.settings import RegistrationSettings
from academy_selection.entrypoints.main import create_app as selection_app
from academy_selection.settings import SelectionSettings

SCHEMAS = Path(__file__).resolve().parents[1] / "contracts" / "schemas"
SUBMITTED = "org.euromed.academy.application.submitted.v1"

pytestmark = pytest.mark.integration


async def test_submitted_application_is_published_and_stored_once(
    servers: Any,
    uid: str,
    run_app: Any,
    eventually: Any,
    application_form: Any,
    topic_records: Any,
    service_settings: Any,
    open_edition: Any,
    start_at_the_end: Any,
    caught_up: Any,
) -> None:
    edition = f"ed-{uid}"
    reg, sel = service_settings(RegistrationSettings), service_settings(SelectionSettings)
    await start_at_the_end(sel, [Topic.EDITIONS, Topic.APPLICATIONS])
    sel_app = selection_app(sel)
    async with run_app(registration_app(reg)) as registration, run_app(sel_app):
        await open_edition(registration, edition)
        response = await registration.post("/v1/applications", json=application_form(edition))
        assert response.status_code == 201, response.text
        application_id = response.json()["application_id"]

        # The event is on the real topic, in CloudEvents binary mode, keyed by application id.
        [record] = await topic_records(
            servers.kafka_bootstrap,
            Topic.APPLICATIONS,
            lambda r: (
                r.key == application_id.encode()
                and dict(r.headers)["ce_type"] == SUBMITTED.encode()
            ),
        )
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_source"] == "/services/registration"
        assert headers["ce_subject"] == application_id
        assert headers["content-type"] == "application/json"
        assert headers["ce_dataschema"] == spec_for_type(SUBMITTED).dataschema
        body = json.loads(record.value)
        schema = json.loads((SCHEMAS / f"{SUBMITTED}.schema.json").read_text())
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(body)
        assert body["application_id"] == application_id
        assert body["edition_id"] == edition

        # Selection stored it in its own database.
        store = sel_app.state.screener.applications

        async def screened() -> Any:
            found = await store.get(application_id)
            return found if found is not None and found.screening is not None else None

        # Screened, so nothing is left to change it but the redelivery below.
        candidate = await eventually(screened)
        assert candidate.cluster.eccp_id == body["cluster"]["eccp_id"]
        assert [p.email for p in candidate.participants] == [
            p["email"] for p in body["participants"]
        ]

        # The same event delivered again changes nothing.
        producer = AIOKafkaProducer(bootstrap_servers=servers.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(
                record.topic, record.value, key=record.key, headers=list(record.headers)
            )
        finally:
            await producer.stop()
        await eventually(lambda: caught_up(sel, [Topic.EDITIONS, Topic.APPLICATIONS]))
        assert len(await store.of_edition(edition)) == 1
        assert (await store.get(application_id)) == candidate


async def test_unreadable_message_is_dead_lettered_and_consumption_goes_on(
    servers: Any,
    uid: str,
    run_app: Any,
    eventually: Any,
    application_form: Any,
    topic_records: Any,
    service_settings: Any,
    open_edition: Any,
    start_at_the_end: Any,
) -> None:
    reg, sel = service_settings(RegistrationSettings), service_settings(SelectionSettings)
    await start_at_the_end(sel, [Topic.EDITIONS, Topic.APPLICATIONS])
    sel_app = selection_app(sel)
    poison_key = f"poison-{uid}".encode()
    producer = AIOKafkaProducer(bootstrap_servers=servers.kafka_bootstrap)
    await producer.start()
    try:
        # Not JSON (issue 12: this one wedged the partition), then JSON that is no event.
        for poison in (b'{"not": "an application"', b'{"not": "an event"}'):
            await producer.send_and_wait(
                Topic.APPLICATIONS,
                poison,
                key=poison_key,
                headers=[
                    ("ce_type", SUBMITTED.encode()),
                    ("ce_specversion", b"1.0"),
                    ("ce_id", b"x"),
                    ("ce_source", b"/tests"),
                    ("content-type", b"application/json"),
                ],
            )
    finally:
        await producer.stop()
    async with run_app(registration_app(reg)) as registration, run_app(sel_app):
        await open_edition(registration, f"ed-{uid}")
        response = await registration.post("/v1/applications", json=application_form(f"ed-{uid}"))
        application_id = response.json()["application_id"]
        await eventually(lambda: sel_app.state.screener.applications.get(application_id))

    # Every service reading the topic dead-letters the poison once, in its own group's name.
    [not_json, dead] = await topic_records(
        servers.kafka_bootstrap,
        dead_letter_topic(Topic.APPLICATIONS),
        lambda r: (
            r.key == poison_key and dict(r.headers)["dlt_consumer_group"] == sel.group_id.encode()
        ),
        expect=2,
        timeout=60,  # the dead-letter topic holds every earlier test's letters, read from the start
    )
    assert not_json.value == b'{"not": "an application"'
    assert "Invalid JSON" in dict(not_json.headers)["dlt_error"].decode()
    headers = {k: v.decode() for k, v in dead.headers}
    assert dead.value == b'{"not": "an event"}'
    assert headers["dlt_topic"] == Topic.APPLICATIONS
    assert "application_id" in headers["dlt_error"]
