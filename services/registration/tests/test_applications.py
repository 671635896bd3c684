"""Applications on the real broker and store: every rule, its status and its problem body;
the applicant's link token, amendments and withdrawal, and the events each change emits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


async def test_an_ineligible_country_is_refused_listing_the_allowed_ones(
    api: Any, edition: str, application_form: Any, problem: Any
) -> None:
    form = application_form(edition)
    form["cluster"]["country"] = "FR"
    body = problem(await api.post("/v1/applications", json=form), 422)
    [error] = body["errors"]
    assert error["field"] == "cluster.country"
    assert error["allowed"] == ["DZ", "EG", "JO", "LB", "MA", "PS", "TN"]
    assert await _count(api) == 0


async def test_an_ineligible_sector_is_refused_listing_the_allowed_ones(
    api: Any, edition: str, application_form: Any, problem: Any
) -> None:
    form = application_form(edition)
    form["cluster"]["sector"] = "textile"
    [error] = problem(await api.post("/v1/applications", json=form), 422)["errors"]
    assert error["field"] == "cluster.sector"
    assert set(error["allowed"]) == {
        "health",
        "aeronautics_mechanics",
        "maritime_logistics",
        "energy_environment",
    }
    assert await _count(api) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f["participants"][1].update(role="cluster_manager"), "one cluster_manager"),
        (lambda f: f["participants"][2].update(email="KARIM@pole-sante.tn"), "distinct emails"),
        (lambda f: f["participants"].pop(), "at least 3 items"),
    ],
    ids=["two-managers", "duplicate-email", "two-participants"],
)
async def test_the_team_must_be_one_manager_and_two_board_members_with_distinct_emails(
    api: Any, edition: str, application_form: Any, problem: Any, change: Any, message: str
) -> None:
    form = application_form(edition)
    change(form)
    body = problem(await api.post("/v1/applications", json=form), 422)
    assert body["errors"][0]["field"] == "participants"
    assert message in body["errors"][0]["message"]
    assert await _count(api) == 0


async def test_the_eccp_profile_and_the_declarations_are_checked(
    api: Any, edition: str, application_form: Any, problem: Any
) -> None:
    form = application_form(edition)
    form["cluster"]["eccp_profile_url"] = "not a url"
    del form["can_advance_costs"]
    body = problem(await api.post("/v1/applications", json=form), 422)
    assert {e["field"] for e in body["errors"]} == {"cluster.eccp_profile_url", "can_advance_costs"}
    form = application_form(edition, motivations="x" * 5001)
    body = problem(await api.post("/v1/applications", json=form), 422)
    assert body["errors"][0]["field"] == "motivations"
    assert await _count(api) == 0


async def test_the_eccp_registration_is_an_id_or_a_profile_url_on_the_platform(
    api: Any, edition: str, application_form: Any, problem: Any
) -> None:
    by_url = application_form(edition)
    del by_url["cluster"]["eccp_id"]
    by_url["cluster"]["eccp_profile_url"] = (
        "https://www.clustercollaboration.eu/cluster-organisations/cluster-sante-sfax/"
    )
    created = await api.post("/v1/applications", json=by_url)
    assert created.status_code == 201, created.text
    assert created.json()["cluster"]["eccp_id"] == "cluster-sante-sfax"
    same = application_form(edition, "cluster-sante-sfax")
    problem(await api.post("/v1/applications", json=same), 409)

    elsewhere = application_form(edition)
    elsewhere["cluster"]["eccp_profile_url"] = "https://example.com/cluster-organisations/x"
    [error] = problem(await api.post("/v1/applications", json=elsewhere), 422)["errors"]
    assert error["field"] == "cluster.eccp_profile_url"
    assert "clustercollaboration.eu" in error["message"]
    neither = application_form(edition)
    del neither["cluster"]["eccp_id"], neither["cluster"]["eccp_profile_url"]
    [error] = problem(await api.post("/v1/applications", json=neither), 422)["errors"]
    assert error["field"] == "cluster"
    assert "European Cluster Collaboration Platform" in error["message"]
    assert await _count(api) == 1


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


async def test_after_the_deadline_an_application_is_refused_quoting_it(
    api: Any, uid: str, application_form: Any, problem: Any, admin: Any, edition_form: Any
) -> None:
    closed = edition_form(f"closed-{uid}", registration_deadline="2023-10-15T23:59:59")
    assert (await api.post("/v1/editions", json=closed, headers=admin)).status_code == 201
    body = problem(
        await api.post("/v1/applications", json=application_form(closed["edition_id"])), 422
    )
    assert body["type"].endswith("registration-closed")
    assert "15 October 2023, 23:59 Europe/Paris (2023-10-15T21:59:59Z)" in body["detail"]
    assert body["deadline"] == "2023-10-15T21:59:59+00:00"
    assert await _count(api) == 0


async def test_the_first_edition_is_served_and_closed(
    api: Any, application_form: Any, problem: Any
) -> None:
    first = (await api.get("/v1/editions/2023")).json()
    assert first["registration_deadline"] == "2023-10-15T21:59:59Z"
    assert first["time_zone"] == "Europe/Paris"
    assert first["title"]["fr"].startswith("Académie")
    body = problem(await api.post("/v1/applications", json=application_form("2023")), 422)
    assert "15 October 2023" in body["detail"]


async def test_an_unknown_edition_is_refused_naming_the_open_ones(
    api: Any, edition: str, application_form: Any, problem: Any
) -> None:
    body = problem(await api.post("/v1/applications", json=application_form("no-such")), 404)
    assert body["field"] == "edition_id"
    assert edition in body["allowed"]
    assert "2023" not in body["allowed"]  # closed


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


async def test_the_link_token_opens_only_its_own_application(
    api: Any, edition: str, application_form: Any, problem: Any
) -> None:
    mine = (await api.post("/v1/applications", json=application_form(edition))).json()
    theirs = (await api.post("/v1/applications", json=application_form(edition))).json()
    read = await api.get(mine["link"])
    assert read.status_code == 200
    assert read.json()["cluster"]["eccp_id"] == mine["cluster"]["eccp_id"]
    assert "access_token" not in read.json()
    by_header = await api.get(
        f"/v1/applications/{mine['application_id']}",
        headers={"X-Application-Token": mine["access_token"]},
    )
    assert by_header.status_code == 200
    for token in (theirs["access_token"], None, "forged", "jeton-é"):
        url = f"/v1/applications/{mine['application_id']}"
        response = await api.get(url, params={"token": token} if token else None)
        problem(response, 404)


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
    problem(wrong, 404)

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


async def test_amending_and_withdrawing_after_the_deadline_are_refused(
    api: Any, edition: str, application_form: Any, problem: Any, admin: Any, edition_form: Any
) -> None:
    receipt = (await api.post("/v1/applications", json=application_form(edition))).json()
    app_id, token = receipt["application_id"], {"X-Application-Token": receipt["access_token"]}
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    closed = edition_form(edition, registration_deadline=past)
    del closed["edition_id"]
    assert (await api.put(f"/v1/editions/{edition}", json=closed, headers=admin)).status_code == 200
    changes = application_form(edition)
    del changes["edition_id"]
    problem(await api.put(f"/v1/applications/{app_id}", json=changes, headers=token), 422)
    body = problem(await api.post(f"/v1/applications/{app_id}/withdrawal", headers=token), 422)
    assert body["type"].endswith("registration-closed")
    assert (await api.get(receipt["link"])).json()["status"] == "submitted"
