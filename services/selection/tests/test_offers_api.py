"""Offers on the real broker and store: the applicant confirms with their link token, a decline
or a withdrawal promotes the next waitlisted cluster, and a lapsed offer is swept and its place
given on."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from academy_contracts import links
from academy_contracts.links import TOKEN_HEADER
from academy_contracts.registry import Topic
from academy_contracts.values import Country, Sector
from services.selection.tests.support.events import Events

pytestmark = pytest.mark.integration

ONE_REVIEW = {
    "criteria": [{"name": "motivations"}, {"name": "expectations"}],
    "min_reviews": 1,
    "committee": [{"subject": "staff@test"}],
}
"""One review each, by the committee: ``staff_headers("committee")`` names staff@test."""


async def _published(
    client: httpx.AsyncClient,
    events: Any,
    intake: Any,
    staff_headers: Any,
    ranked: list[Any],
    **publish: Any,
) -> None:
    """One place, and the clusters reviewed best first; published."""
    await intake(events, *ranked, capacity=1)
    admin = staff_headers("admin")
    edition = f"/v1/editions/{events.edition_id}"
    await client.put(f"{edition}/review-policy", json=ONE_REVIEW, headers=admin)
    for mark, application in zip((5, 4, 3), ranked, strict=False):
        response = await client.put(
            f"/v1/applications/{application.application_id}/reviews/mine",
            json={"scores": {"motivations": mark, "expectations": mark}},
            headers=staff_headers("committee"),
        )
        assert response.status_code == 201, response.text
    response = await client.post(f"{edition}/selection", json=publish, headers=admin)
    assert response.status_code == 201, response.text


def _link(
    client: httpx.AsyncClient, application: Any, role: str = "cluster_manager"
) -> dict[str, str]:
    """The personal link of the application's person in ``role`` (a board member's link is a
    participant's)."""
    secret = client.app.state.settings.link_secret  # type: ignore[attr-defined]
    person = next(p for p in application.participants if p.role == role)
    scope = links.Scope.MANAGER if role == "cluster_manager" else links.Scope.PARTICIPANT
    token = links.issue(
        secret, application.application_id, person.participant_id, scope, now=datetime.now(UTC)
    )
    return {TOKEN_HEADER: token}


def _stories(decided: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]]:
    """Each cluster's events in order (one cluster's events keep their order on the topic)."""
    stories: dict[str, list[str]] = {}
    for name, body in decided:
        reason = body.get("reason")
        stories.setdefault(body["application_id"], []).append(
            f"{name}:{reason}" if reason else name
        )
    return stories


async def test_confirm_then_decline_and_withdrawal_promote_down_the_waitlist(
    selection: Any, events: Any, intake: Any, staff_headers: Any, send: Any, received: Any
) -> None:
    first = events.submitted(country=Country.TUNISIA, sector=Sector.HEALTH)
    second = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    third = events.submitted(country=Country.MOROCCO, sector=Sector.MARITIME_LOGISTICS)
    await _published(selection, events, intake, staff_headers, [first, second, third])
    confirm = f"/v1/applications/{first.application_id}/offer/confirm"

    assert (await selection.post(confirm)).status_code == 401
    assert (await selection.post(confirm, headers={TOKEN_HEADER: "forged"})).status_code == 401
    assert (await selection.post(confirm, headers=_link(selection, second))).status_code == 403
    board_member = _link(selection, first, "board_member")
    refused = await selection.post(confirm, headers=board_member)
    assert (refused.status_code, refused.json()["type"]) == (
        403,
        "urn:cluster-academy:problem:link-manager-only",
    )
    assert (await selection.post(confirm, headers=staff_headers("committee"))).status_code == 403

    mine = await selection.get(
        f"/v1/applications/{second.application_id}/offer", headers=_link(selection, second)
    )
    assert (mine.json()["status"], mine.json()["waitlist_rank"]) == ("waitlisted", 1)
    confirmed = await selection.post(confirm, headers=_link(selection, first))
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed"
    assert (await selection.post(confirm, headers=staff_headers("admin"))).status_code == 200

    declined = await selection.post(
        f"/v1/applications/{first.application_id}/offer/decline",
        headers=staff_headers("admin"),
        json={"reason": "  Our manager cannot travel this year.  "},
    )
    assert declined.json()["status"] == "declined"
    assert declined.json()["declined_because"] == "Our manager cannot travel this year."
    await send(events.withdrawn(second.application_id, 2))

    keys = {a.application_id for a in (first, second, third)}
    decided = await received(Topic.SELECTION, keys, expect=8)
    assert _stories(decided) == {
        first.application_id: [
            "ClusterSelected",
            "OfferConfirmed",
            "ClusterRejected:offer_declined",
        ],
        second.application_id: [
            "ClusterWaitlisted",
            "ClusterSelected",
            "ClusterRejected:offer_declined",
        ],
        third.application_id: ["ClusterWaitlisted", "ClusterSelected"],
    }
    [confirmation] = [body for name, body in decided if name == "OfferConfirmed"]
    assert confirmation["confirmed_by"] == "applicant"
    [promotion] = [
        body
        for name, body in decided
        if name == "ClusterSelected" and body["application_id"] == second.application_id
    ]
    assert promotion["explanation"]["summary"].startswith("Promoted from waitlist place 1")


async def test_a_lapsed_offer_is_rejected_and_the_next_cluster_promoted(
    selection: Any, events: Any, intake: Any, staff_headers: Any, received: Any
) -> None:
    first = events.submitted(country=Country.TUNISIA, sector=Sector.HEALTH)
    second = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    await _published(selection, events, intake, staff_headers, [first, second], offer_period="PT1S")

    keys = {first.application_id, second.application_id}
    decided = await received(Topic.SELECTION, keys, expect=5)
    assert _stories(decided) == {
        first.application_id: ["ClusterSelected", "ClusterRejected:offer_lapsed"],
        second.application_id: [
            "ClusterWaitlisted",
            "ClusterSelected",
            "ClusterRejected:offer_lapsed",
        ],
    }
    too_late = await selection.post(
        f"/v1/applications/{first.application_id}/offer/confirm", headers=_link(selection, first)
    )
    assert too_late.status_code == 409
    assert too_late.json()["decision_status"] == "lapsed"
    edition = f"/v1/editions/{events.edition_id}"
    report = (await selection.get(f"{edition}/report", headers=staff_headers("admin"))).json()
    assert (report["total"]["selected"], report["total"]["waitlisted"]) == (0, 0)


async def test_the_manager_reads_the_screening_with_its_reasons(
    selection: Any, events: Any, intake: Any, staff_headers: Any, send: Any, eventually: Any
) -> None:
    fine = events.submitted()
    no_costs = events.submitted(can_advance_costs=False, commits_to_attend=False)
    await intake(events, fine, no_costs)
    path = "/v1/applications/{}/screening"

    mine = await selection.get(
        path.format(no_costs.application_id), headers=_link(selection, no_costs)
    )
    assert mine.status_code == 200, mine.text
    assert (mine.json()["eligible"], mine.json()["reasons"]) == (
        False,
        ["cannot_advance_costs", "no_attendance_commitment"],
    )
    eligible = await selection.get(path.format(fine.application_id), headers=staff_headers("admin"))
    assert (eligible.json()["eligible"], eligible.json()["reasons"]) == (True, [])

    teammate = _link(selection, no_costs, "board_member")
    refused = await selection.get(path.format(no_costs.application_id), headers=teammate)
    assert refused.status_code == 403
    other = await selection.get(
        path.format(fine.application_id), headers=_link(selection, no_costs)
    )
    assert other.status_code == 403
    unknown = await selection.get(path.format("app-unknown"), headers=staff_headers("admin"))
    assert (unknown.status_code, unknown.json()["type"]) == (
        404,
        "urn:cluster-academy:problem:unknown-application",
    )

    unpublished = Events(f"{events.edition_id}-unpublished", events.deadline)
    waiting = unpublished.submitted()
    await send(waiting)
    stored = selection.app.state.screener.applications
    await eventually(lambda: stored.get(waiting.application_id))
    early = await selection.get(
        path.format(waiting.application_id), headers=_link(selection, waiting)
    )
    assert (early.status_code, early.json()["type"]) == (
        404,
        "urn:cluster-academy:problem:not-screened",
    )
