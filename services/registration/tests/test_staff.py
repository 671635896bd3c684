"""Staff routes on the real broker and store: editions, the application list and its CSV,
company registrations, and the check-in desk fed by the selection's events."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from academy_contracts import links
from academy_contracts.envelope import from_kafka
from academy_contracts.events import (
    AttendanceUndone,
    ClusterProfile,
    ClusterRejected,
    ClusterSelected,
    RejectionReason,
    SessionAttended,
)
from academy_contracts.registry import Topic
from academy_contracts.values import Participant

pytestmark = pytest.mark.integration


def _data(record: Any) -> Any:
    return from_kafka({k: bytes(v) for k, v in record.headers}, record.value).data


async def test_editions_are_created_and_changed_by_admins_with_their_events(
    api: Any, uid: str, edition_form: Any, admin: Any, problem: Any, topic_records: Any
) -> None:
    form = edition_form(f"ed-{uid}", registration_deadline="2030-03-01T18:00:00")
    created = await api.post("/v1/editions", json=form, headers=admin)
    assert created.status_code == 201
    assert created.json()["registration_deadline"] == "2030-03-01T17:00:00Z"  # Paris, winter
    problem(await api.post("/v1/editions", json=form, headers=admin), 409)
    del form["edition_id"]
    form["capacity"] = 28
    changed = await api.put(f"/v1/editions/ed-{uid}", json=form, headers=admin)
    assert (changed.json()["revision"], changed.json()["capacity"]) == (2, 28)
    assert (await api.get(f"/v1/editions/ed-{uid}")).json()["capacity"] == 28
    assert f"ed-{uid}" in [e["edition_id"] for e in (await api.get("/v1/editions")).json()]
    body = problem(await api.put("/v1/editions/nope", json=form, headers=admin), 404)
    assert body["field"] == "edition_id"

    records = await topic_records(
        api.app.state.settings.kafka_bootstrap_servers,
        Topic.EDITIONS.value,
        lambda r: r.key == f"ed-{uid}".encode(),
        expect=2,
    )
    assert [_data(r).revision for r in records] == [1, 2]


async def test_staff_list_filter_and_export_applications(
    api: Any, edition: str, application_form: Any, staff_headers: Any
) -> None:
    tunisia = application_form(edition)
    morocco = application_form(edition)
    morocco["cluster"].update(country="MA", sector="maritime_logistics", name="=HYPERLINK(1)")
    for form in (tunisia, morocco):
        assert (await api.post("/v1/applications", json=form)).status_code == 201
    committee = staff_headers("committee")
    page = (
        await api.get("/v1/applications", params={"edition_id": edition}, headers=committee)
    ).json()
    assert page["total"] == 2
    assert [a["cluster"]["country"] for a in page["items"]] == ["TN", "MA"]
    only_ma = await api.get(
        "/v1/applications",
        params={"edition_id": edition, "country": "MA", "status": "submitted"},
        headers=committee,
    )
    assert [a["cluster"]["sector"] for a in only_ma.json()["items"]] == ["maritime_logistics"]
    health = {"edition_id": edition, "sector": "health"}
    assert (await api.get("/v1/applications", params=health, headers=committee)).json()[
        "total"
    ] == 1
    bad = await api.get("/v1/applications", params={"country": "FR"}, headers=committee)
    assert bad.status_code == 422

    exported = await api.get(
        "/v1/applications.csv", params={"edition_id": edition}, headers=committee
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [row["country"] for row in rows] == ["TN", "MA"]
    assert rows[0]["cluster_name"] == "Pôle Santé Sfax"
    assert rows[0]["manager_email"] == "amira@pole-sante.tn"
    assert rows[1]["cluster_name"] == "'=HYPERLINK(1)"  # never a formula


async def test_companies_register_once_per_idempotency_key_and_staff_list_them(
    api: Any, edition: str, admin: Any, problem: Any, topic_records: Any
) -> None:
    form = {
        "company_name": "Provence Robotique",
        "country": "FR",
        "sector": "aeronautics_mechanics",
        "edition_id": edition,
        "contact": {
            "full_name": "Luc Martin",
            "email": "luc@provence-robotique.fr",
            "language": "fr",
        },
        "interests": ["drones", "maintenance"],
    }
    key = {"Idempotency-Key": f"company-{edition}"}
    first = await api.post("/v1/companies", json=form, headers=key)
    again = await api.post("/v1/companies", json=form, headers=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    body = problem(await api.post("/v1/companies", json={**form, "country": "ZZ"}), 422)
    assert body["errors"][0]["field"] == "country"
    problem(await api.post("/v1/companies", json={**form, "edition_id": "nope"}), 404)
    listed = await api.get("/v1/companies", params={"edition_id": edition}, headers=admin)
    assert [c["company_name"] for c in listed.json()["items"]] == ["Provence Robotique"]

    company_id = first.json()["company_id"]
    [record] = await topic_records(
        api.app.state.settings.kafka_bootstrap_servers,
        Topic.COMPANIES.value,
        lambda r: r.key == company_id.encode(),
    )
    assert _data(record).contact.email == "luc@provence-robotique.fr"


async def test_check_in_admits_only_selected_participants_once_per_session(
    api: Any,
    uid: str,
    open_edition: Any,
    edition_form: Any,
    application_form: Any,
    staff_headers: Any,
    problem: Any,
    eventually: Any,
    topic_records: Any,
    send: Any,
    caught_up: Any,
) -> None:
    # s1 started half an hour ago: the desk checks in; s2 starts tomorrow, too early for it.
    sessions = edition_form("x")["sessions"]
    for session, start in zip(sessions, (timedelta(minutes=-30), timedelta(hours=20)), strict=True):
        session["starts_at"] = (datetime.now(UTC) + start).isoformat()
        session["ends_at"] = (datetime.now(UTC) + start + timedelta(hours=6)).isoformat()
    edition = await open_edition(api, f"ed-{uid}", sessions=sessions)
    receipt = (await api.post("/v1/applications", json=application_form(edition))).json()
    app_id = receipt["application_id"]
    participants = [Participant.model_validate(p) for p in receipt["participants"]]
    desk = staff_headers("checkin")
    member = participants[1].participant_id
    url = f"/v1/editions/{edition}/sessions/s1/check-ins"

    body = problem(await api.post(url, json={"participant_id": member}, headers=desk), 422)
    assert body["field"] == "participant_id"

    bootstrap = api.app.state.settings.kafka_bootstrap_servers
    selected_at = datetime.now(UTC)
    await send(
        ClusterSelected(
            application_id=app_id,
            edition_id=edition,
            cluster=ClusterProfile.model_validate(receipt["cluster"]),
            participants=participants,
            selected_at=selected_at,
        ),
    )

    async def expected() -> Any:
        response = await api.get(f"/v1/editions/{edition}/participants", headers=desk)
        return response.json()

    [cluster] = await eventually(expected)
    assert cluster["application_id"] == app_id

    first = await api.post(url, json={"participant_id": member}, headers=desk)
    again = await api.post(url, json={"participant_id": member}, headers=desk)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["application_id"] == app_id
    body = problem(
        await api.post(
            f"/v1/editions/{edition}/sessions/s9/check-ins",
            json={"participant_id": member},
            headers=desk,
        ),
        404,
    )
    assert body["allowed"] == ["s1", "s2"]
    tomorrow = f"/v1/editions/{edition}/sessions/s2/check-ins"
    body = problem(await api.post(tomorrow, json={"participant_id": member}, headers=desk), 422)
    assert body["type"].endswith("check-in-closed")
    assert "Europe/Paris" in body["detail"]
    listed = await api.get(url, headers=desk)
    assert [c["participant_id"] for c in listed.json()] == [member]

    # Undone by mistake (twice: one undo), then checked in again by the participant's pass.
    undone = [(await api.delete(f"{url}/{member}", headers=desk)) for _ in range(2)]
    assert [u.status_code for u in undone] == [200, 200]
    assert undone[0].json() == undone[1].json()
    assert undone[0].json()["undone_at"] is not None
    assert (await api.get(url, headers=desk)).json() == []
    problem(await api.delete(f"{url}/{participants[2].participant_id}", headers=desk), 404)
    record = await api.get(
        f"/v1/applications/{app_id}/participants/{member}",
        headers={
            "X-Application-Token": links.issue(
                api.app.state.settings.link_secret,
                app_id,
                member,
                links.Scope.PARTICIPANT,
                now=datetime.now(UTC),
            )
        },
    )
    anew = await api.post(url, json={"check_in_pass": record.json()["check_in_pass"]}, headers=desk)
    assert anew.status_code == 201, anew.text
    assert anew.json()["undone_at"] is None
    assert [c["participant_id"] for c in (await api.get(url, headers=desk)).json()] == [member]

    records = await topic_records(
        bootstrap, Topic.ATTENDANCE.value, lambda r: r.key == app_id.encode(), expect=3
    )
    events = [_data(r) for r in records]
    assert [type(e) for e in events] == [SessionAttended, AttendanceUndone, SessionAttended]
    assert {(e.session_id, e.participant_id) for e in events} == {("s1", member)}

    # A rejection older than the selection (a late redelivery) changes nothing; a later one
    # (the offer lapsed) revokes the admission.
    cluster_profile = ClusterProfile.model_validate(receipt["cluster"])
    rejection = {"application_id": app_id, "edition_id": edition, "cluster": cluster_profile}
    older = ClusterRejected(
        **rejection,
        participants=participants,
        reason=RejectionReason.NOT_SELECTED,
        decided_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    later = ClusterRejected(
        **rejection,
        participants=participants,
        reason=RejectionReason.OFFER_LAPSED,
        decided_at=datetime.now(UTC),
    )
    await send(older)
    await eventually(lambda: caught_up(api.app.state.settings, [Topic.SELECTION]))
    assert (await expected()) == [cluster]
    await send(later)

    async def revoked() -> bool:
        response = await api.get(f"/v1/editions/{edition}/participants", headers=desk)
        return bool(response.json() == [])

    await eventually(revoked)
    other = participants[2].participant_id
    problem(await api.post(url, json={"participant_id": other}, headers=desk), 422)
