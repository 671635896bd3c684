"""The selection through the staff API, on the real broker and store: a dry run that changes
nothing, a publication that emits each decision once, rules that cannot all hold, and the
balance report."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from academy_contracts.registry import Topic
from academy_contracts.values import Country, Sector

pytestmark = pytest.mark.integration

ONE_REVIEW = {
    "criteria": [{"name": "motivations"}, {"name": "expectations"}],
    "min_reviews": 1,
    "committee": [{"subject": "staff@test"}, {"subject": "late@committee"}],
}
"""One review each, by the committee: ``staff_headers("committee")`` names staff@test."""


async def _review(client: httpx.AsyncClient, headers: Any, *marks: tuple[Any, int]) -> None:
    for application, mark in marks:
        scores = {"scores": {"motivations": mark, "expectations": mark}}
        response = await client.put(
            f"/v1/applications/{application.application_id}/reviews/mine",
            json=scores,
            headers=headers,
        )
        assert response.status_code == 201, response.text


def _ids(decisions: list[dict[str, Any]]) -> list[str]:
    return [d["application_id"] for d in decisions]


async def test_preview_changes_nothing_and_publishing_twice_emits_each_decision_once(
    selection: Any, events: Any, intake: Any, staff_headers: Any, received: Any, problem: Any
) -> None:
    admin, committee = staff_headers("admin"), staff_headers("committee")
    best = events.submitted(country=Country.TUNISIA, sector=Sector.HEALTH)
    second_tn = events.submitted(country=Country.TUNISIA, sector=Sector.AERONAUTICS_MECHANICS)
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    ma = events.submitted(country=Country.MOROCCO, sector=Sector.MARITIME_LOGISTICS)
    ineligible = events.submitted(country=Country.JORDAN, can_advance_costs=False)
    everyone = (best, second_tn, eg, ma, ineligible)
    await intake(events, *everyone, capacity=2)
    edition = f"/v1/editions/{events.edition_id}"
    await selection.put(f"{edition}/review-policy", json=ONE_REVIEW, headers=admin)
    await _review(selection, committee, (best, 5), (second_tn, 4), (eg, 3), (ma, 2))

    # Two places; by default at most one per country (and per sector) for two places.
    rules = (await selection.get(f"{edition}/balance-rules", headers=committee)).json()
    assert rules["countries"]["TN"] == {"minimum": 0, "maximum": 1}
    preview = (await selection.post(f"{edition}/selection/preview", headers=admin)).json()
    assert preview["feasible"] is True
    assert _ids(preview["selected"]) == [best.application_id, eg.application_id]
    assert _ids(preview["waitlist"]) == [second_tn.application_id, ma.application_id]
    assert preview["waitlist"][0]["explanation"]["binding_rules"] == ["country_max:TN"]
    assert preview["waitlist"][0]["explanation"]["rank"] == 2
    assert _ids(preview["rejected"]) == [ineligible.application_id]
    not_yet = problem(await selection.get(f"{edition}/selection", headers=admin), 404)
    assert not_yet["type"].endswith(":not-published")

    first = await selection.post(
        f"{edition}/selection", json={"offer_period": "P10D"}, headers=admin
    )
    assert first.status_code == 201, first.text
    again = await selection.post(f"{edition}/selection", headers=admin)
    assert again.status_code == 200
    assert again.json() == first.json()
    statuses = {d["application_id"]: d["status"] for d in first.json()["decisions"]}
    assert statuses == {
        best.application_id: "offered",
        eg.application_id: "offered",
        second_tn.application_id: "waitlisted",
        ma.application_id: "waitlisted",
        ineligible.application_id: "rejected",
    }

    keys = {a.application_id for a in everyone}
    decided = await received(Topic.SELECTION, keys, expect=5)
    assert sorted((name, body["application_id"]) for name, body in decided) == sorted(
        [
            ("ClusterSelected", best.application_id),
            ("ClusterSelected", eg.application_id),
            ("ClusterWaitlisted", second_tn.application_id),
            ("ClusterWaitlisted", ma.application_id),
            ("ClusterRejected", ineligible.application_id),
        ]
    )
    selected = {body["application_id"]: body for name, body in decided if name == "ClusterSelected"}
    published_at = datetime.fromisoformat(first.json()["published_at"])
    assert datetime.fromisoformat(selected[best.application_id]["offer_deadline"]) == (
        published_at + timedelta(days=10)
    )
    assert selected[best.application_id]["explanation"]["rank"] == 1
    assert len(selected[best.application_id]["participants"]) == 3

    late_review = await selection.put(
        f"/v1/applications/{ma.application_id}/reviews/mine",
        json={"scores": {"motivations": 5, "expectations": 5}},
        headers=staff_headers("committee", subject="late@committee"),
    )
    assert problem(late_review, 409)["type"].endswith(":selection-published")

    report = (await selection.get(f"{edition}/report", headers=committee)).json()
    assert report["published"] is True
    assert report["total"] == {"applications": 5, "eligible": 4, "selected": 2, "waitlisted": 2}
    assert report["by_country"]["TN"] == {
        "applications": 2,
        "eligible": 2,
        "selected": 1,
        "waitlisted": 1,
    }
    [tn_health] = [c for c in report["cells"] if (c["country"], c["sector"]) == ("TN", "health")]
    assert tn_health["selected"] == 1


async def test_rules_that_cannot_hold_are_answered_with_the_conflict_and_the_relaxation(
    selection: Any,
    events: Any,
    intake: Any,
    staff_headers: Any,
    send: Any,
    eventually: Any,
    problem: Any,
) -> None:
    admin = staff_headers("admin")
    tn = events.submitted(country=Country.TUNISIA, sector=Sector.HEALTH)
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    await intake(events, tn, eg, capacity=2)
    edition = f"/v1/editions/{events.edition_id}"
    await selection.put(f"{edition}/review-policy", json=ONE_REVIEW, headers=admin)
    await _review(selection, staff_headers("committee"), (tn, 4), (eg, 3))
    wanted = {"countries": {"TN": {"minimum": 2}, "LB": {"minimum": 1}}}
    response = await selection.put(f"{edition}/balance-rules", json=wanted, headers=admin)
    assert response.json()["countries"]["TN"] == {"minimum": 2, "maximum": None}

    preview = (await selection.post(f"{edition}/selection/preview", headers=admin)).json()
    assert preview["feasible"] is False
    assert preview["conflicts"]
    assert {r["rule"] for r in preview["relaxations"]} == {"country_min:TN", "country_min:LB"}
    body = problem(await selection.post(f"{edition}/selection", headers=admin), 409)
    assert body["type"].endswith(":rules-conflict")
    assert body["conflicts"] == preview["conflicts"]
    assert body["relaxations"] == preview["relaxations"]

    accepted = await selection.post(
        f"{edition}/selection", json={"accept_relaxations": True}, headers=admin
    )
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["rules"]["countries"]["TN"]["minimum"] == 1  # as relaxed

    # Another edition, still open: nothing is published before its deadline.
    open_events = dataclasses.replace(
        events,
        edition_id=f"{events.edition_id}-open",
        deadline=datetime.now(UTC) + timedelta(days=1),
    )
    await send(open_events.edition())
    editions = selection.app.state.screener.editions
    await eventually(lambda: editions.find(open_events.edition_id))
    too_early = await selection.post(
        f"/v1/editions/{open_events.edition_id}/selection", headers=admin
    )
    assert problem(too_early, 409)["type"].endswith(":registration-open")
