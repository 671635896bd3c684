"""Applications on the real broker and store: the unique cluster per edition and the
idempotency key as the store keeps them, the first edition seeded at start, and the events each
change puts on Kafka. The rules' cases run in the fast tier (test_application_rules.py)."""

from __future__ import annotations

from typing import Any

import pytest

from academy_contracts.envelope import from_kafka
from academy_contracts.registry import Topic
from academy_registration.domain.applications import ApplicationFilter

pytestmark = pytest.mark.integration


async def _count(api: Any) -> int:
    count: int = await api.app.state.applications.store.count(ApplicationFilter())
    return count


async def _records(topic_records: Any, api: Any, application_id: str, expect: int) -> Any:
    """Registration's records about the application (other services publish to the topic
    too: selection screens every application it reads)."""
    source = api.app.state.settings.source.encode()
    return await topic_records(
        api.app.state.settings.kafka_bootstrap_servers,
        Topic.APPLICATIONS.value,
        lambda r: r.key == application_id.encode() and dict(r.headers)["ce_source"] == source,
        expect=expect,
    )


async def _events(topic_records: Any, api: Any, application_id: str, expect: int) -> list[str]:
    """The types of registration's events about the application, in order."""
    records = await _records(topic_records, api, application_id, expect)
    return [dict(r.headers)["ce_type"].decode().split(".")[-2] for r in records]


async def test_the_same_cluster_cannot_apply_twice_to_one_edition(
    api: Any, edition: str, application_form: Any, problem: Any, admin: Any, edition_form: Any
) -> None:
    first = await api.post("/v1/applications", json=application_form(edition, "ECCP-X"))
    assert first.status_code == 201
    assert first.headers["location"] == f"/v1/applications/{first.json()['application_id']}"
    again = await api.post("/v1/applications", json=application_form(edition, " eccp-x "))
    body = problem(again, 409)
    assert body["existing_application_id"] == first.json()["application_id"]
    assert body["field"] == "cluster.eccp_id"
    assert await _count(api) == 1
    other = edition_form(f"{edition}-b")
    assert (await api.post("/v1/editions", json=other, headers=admin)).status_code == 201
    other_edition = await api.post(
        "/v1/applications", json=application_form(other["edition_id"], "eccp-x")
    )
    assert other_edition.status_code == 201


async def test_the_first_edition_is_served_and_closed(
    api: Any, application_form: Any, problem: Any
) -> None:
    first = (await api.get("/v1/editions/2023")).json()
    assert first["registration_deadline"] == "2023-10-15T21:59:59Z"
    assert first["time_zone"] == "Europe/Paris"
    assert first["title"]["fr"].startswith("Académie")
    body = problem(await api.post("/v1/applications", json=application_form("2023")), 422)
    assert "15 October 2023" in body["detail"]


async def test_an_idempotency_key_returns_the_first_result_and_no_second_event(
    api: Any, edition: str, application_form: Any, problem: Any, topic_records: Any
) -> None:
    form = application_form(edition)
    headers = {"Idempotency-Key": "retry-1"}
    first = await api.post("/v1/applications", json=form, headers=headers)
    again = await api.post("/v1/applications", json=form, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert await _count(api) == 1
    other = application_form(edition)
    body = problem(await api.post("/v1/applications", json=other, headers=headers), 422)
    assert body["type"].endswith("idempotency-key-reused")
    assert await _count(api) == 1
    app_id = first.json()["application_id"]
    assert await _events(topic_records, api, app_id, expect=1) == ["submitted"]


async def test_amend_then_withdraw_before_the_deadline_emit_their_events(
    api: Any, edition: str, application_form: Any, problem: Any, topic_records: Any
) -> None:
    receipt = (await api.post("/v1/applications", json=application_form(edition))).json()
    app_id, token = receipt["application_id"], {"X-Application-Token": receipt["access_token"]}
    changes = application_form(edition, motivations="Sharper motivations after our board met.")
    del changes["edition_id"]
    changes["participants"][2]["email"] = "nour@pole-sante.tn"
    amended = await api.put(f"/v1/applications/{app_id}", json=changes, headers=token)
    assert amended.status_code == 200
    assert amended.json()["revision"] == 2
    before = {p["email"]: p["participant_id"] for p in receipt["participants"]}
    after = {p["email"]: p["participant_id"] for p in amended.json()["participants"]}
    assert after["amira@pole-sante.tn"] == before["amira@pole-sante.tn"]
    assert after["nour@pole-sante.tn"] not in before.values()
    same = await api.put(f"/v1/applications/{app_id}", json=changes, headers=token)
    assert same.json()["revision"] == 2  # nothing changed, nothing emitted
    wrong = await api.put(
        f"/v1/applications/{app_id}", json=changes, headers={"X-Application-Token": "x"}
    )
    problem(wrong, 401)

    withdrawn = await api.post(
        f"/v1/applications/{app_id}/withdrawal", json={"reason": "Budget"}, headers=token
    )
    assert withdrawn.json()["status"] == "withdrawn"
    assert withdrawn.json()["revision"] == 3
    again = await api.post(f"/v1/applications/{app_id}/withdrawal", headers=token)
    assert again.json()["revision"] == 3
    problem(await api.put(f"/v1/applications/{app_id}", json=changes, headers=token), 409)
    assert await _events(topic_records, api, app_id, expect=3) == [
        "submitted",
        "updated",
        "withdrawn",
    ]
    records = await _records(topic_records, api, app_id, expect=3)
    updated = from_kafka({k: bytes(v) for k, v in records[1].headers}, records[1].value).data
    assert updated.motivations == "Sharper motivations after our board met."  # type: ignore[attr-defined]

    reapplied = await api.post(
        "/v1/applications", json=application_form(edition, receipt["cluster"]["eccp_id"])
    )
    assert reapplied.status_code == 201
