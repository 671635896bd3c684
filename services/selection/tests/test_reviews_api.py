"""Reviews through the staff API on the real store: each refusal answered as its problem, a
review created then revised. The rules' many cases are in the fast tier (test_reviewing.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from academy_contracts.values import Country, Sector

pytestmark = pytest.mark.integration

POLICY = {
    "criteria": [
        {"name": "motivations", "weight": "2", "scale_min": 1, "scale_max": 5},
        {"name": "expectations", "weight": "1", "scale_min": 0, "scale_max": 10},
    ],
    "min_reviews": 2,
    "conflict_of_interest": True,
    "committee": [
        {"subject": "amal@committee", "country": "TN"},
        {"subject": "bruno@committee", "country": "EG"},
        {"subject": "chloe@committee"},
    ],
}
GOOD = {"scores": {"motivations": 4, "expectations": 5}, "comment": "Clear plan."}


async def test_review_rules(
    selection: Any, events: Any, intake: Any, staff_headers: Any, problem: Any
) -> None:
    def _problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
        body: dict[str, Any] = problem(response, status)
        assert body["type"] == f"urn:cluster-academy:problem:{kind}"
        return body

    admin = staff_headers("admin")
    amal, bruno, chloe = (
        staff_headers("committee", subject=f"{name}@committee")
        for name in ("amal", "bruno", "chloe")
    )
    tn = events.submitted(country=Country.TUNISIA, sector=Sector.HEALTH)
    tn_other = events.submitted(country=Country.TUNISIA, sector=Sector.MARITIME_LOGISTICS)
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    ineligible = events.submitted(country=Country.JORDAN, can_advance_costs=False)
    await intake(events, tn, tn_other, eg, ineligible)
    edition = f"/v1/editions/{events.edition_id}"

    def review_of(application: Any) -> str:
        return f"/v1/applications/{application.application_id}/reviews"

    response = await selection.put(f"{edition}/review-policy", json=POLICY, headers=admin)
    assert response.status_code == 200, response.text

    # The rubric: every criterion, each within its scale, and nothing else.
    bad = {"scores": {"motivations": 6, "originality": 3}}
    body = _problem(
        await selection.put(f"{review_of(tn)}/mine", json=bad, headers=bruno), 422, "validation"
    )
    assert {e["field"]: e["allowed"] for e in body["errors"]} == {
        "scores.originality": ["motivations", "expectations"],
        "scores.motivations": [1, 2, 3, 4, 5],
        "scores.expectations": list(range(11)),
    }

    # Conflict of interest: Amal (Tunisia) neither sees nor reviews Tunisian clusters.
    queue = await selection.get(f"{edition}/review-queue", headers=amal)
    assert [item["application_id"] for item in queue.json()] == [eg.application_id]
    _problem(
        await selection.put(f"{review_of(tn)}/mine", json=GOOD, headers=amal),
        403,
        "conflict-of-interest",
    )
    _problem(
        await selection.put(f"{review_of(ineligible)}/mine", json=GOOD, headers=bruno),
        409,
        "not-reviewable",
    )

    # A first review is created, a second one from the same reviewer revises it.
    first = await selection.put(f"{review_of(tn)}/mine", json=GOOD, headers=bruno)
    assert first.status_code == 201, first.text
    assert first.json()["score"] == "66.67"  # (2 x 3/4 + 1 x 5/10) / 3
    revised = {"scores": {"motivations": 5, "expectations": 10}}
    again = await selection.put(f"{review_of(tn)}/mine", json=revised, headers=bruno)
    assert (again.status_code, again.json()["score"]) == (200, "100.00")

    # Others' reviews stay hidden until one's own is in; an admin sees them all.
    _problem(await selection.get(review_of(tn), headers=chloe), 403, "review-first")
    await selection.put(f"{review_of(tn)}/mine", json=GOOD, headers=chloe)
    seen = await selection.get(review_of(tn), headers=chloe)
    assert sorted(r["reviewer"] for r in seen.json()) == ["bruno@committee", "chloe@committee"]
    assert len((await selection.get(review_of(tn), headers=admin)).json()) == 2

    progress = (await selection.get(f"{edition}/review-progress", headers=chloe)).json()
    assert progress["min_reviews"] == 2
    assert ("chloe@committee", 1) in {(p["reviewer"], p["reviewed"]) for p in progress["reviewers"]}

    # Applications short of reviews cannot be ranked: publishing refuses and names them.
    body = _problem(
        await selection.post(f"{edition}/selection", headers=admin), 409, "reviews-missing"
    )
    assert {u["application_id"] for u in body["unranked"]} == {
        tn_other.application_id,
        eg.application_id,
    }

    # The criteria are fixed once reviews exist; the rest of the policy is not.
    changed = {**POLICY, "criteria": [{"name": "motivations"}]}
    _problem(
        await selection.put(f"{edition}/review-policy", json=changed, headers=admin),
        409,
        "rubric-in-use",
    )
    fewer = await selection.put(
        f"{edition}/review-policy", json={**POLICY, "min_reviews": 1}, headers=admin
    )
    assert fewer.json()["min_reviews"] == 1
