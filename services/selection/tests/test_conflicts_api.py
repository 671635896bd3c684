"""Conflicts of interest through the staff API on the real store (issue 13): a committee token
whose subject is off the edition's committee is refused, a reviewer recuses themselves, an
admin records a conflict."""

from __future__ import annotations

from typing import Any

import pytest

from academy_contracts.values import Country, Sector

pytestmark = pytest.mark.integration

POLICY = {
    "min_reviews": 1,
    "committee": [{"subject": "amal@committee"}, {"subject": "bruno@committee"}],
}
GOOD = {"scores": {"motivations": 4, "expectations": 3}}


async def test_only_the_committee_reviews_and_declared_conflicts_hold(
    selection: Any, events: Any, intake: Any, staff_headers: Any, problem: Any
) -> None:
    admin = staff_headers("admin", subject="admin@test")
    amal, bruno, outsider = (
        staff_headers("committee", subject=f"{name}@committee")
        for name in ("amal", "bruno", "outsider")
    )
    tn = events.submitted(country=Country.TUNISIA)
    eg = events.submitted(country=Country.EGYPT, sector=Sector.ENERGY_ENVIRONMENT)
    await intake(events, tn, eg)
    edition = f"/v1/editions/{events.edition_id}"
    response = await selection.put(f"{edition}/review-policy", json=POLICY, headers=admin)
    assert response.status_code == 200, response.text

    def mine(application: Any) -> str:
        return f"/v1/applications/{application.application_id}/reviews/mine"

    refused = problem(await selection.put(mine(tn), json=GOOD, headers=outsider), 403)
    assert refused["type"].endswith(":not-on-committee")
    assert refused["committee"] == ["amal@committee", "bruno@committee"]

    recusal = await selection.put(
        f"/v1/applications/{tn.application_id}/recusal",
        json={"reason": "I advised this cluster"},
        headers=amal,
    )
    assert recusal.status_code == 201, recusal.text
    assert recusal.json()["source"] == "recusal"
    queue = (await selection.get(f"{edition}/review-queue", headers=amal)).json()
    assert [item["application_id"] for item in queue] == [eg.application_id]
    conflicted = problem(await selection.put(mine(tn), json=GOOD, headers=amal), 403)
    assert conflicted["type"].endswith(":conflict-of-interest")

    recorded = await selection.put(
        f"/v1/applications/{eg.application_id}/conflicts/bruno@committee", headers=admin
    )
    assert recorded.status_code == 201, recorded.text
    assert (recorded.json()["source"], recorded.json()["declared_by"]) == ("admin", "admin@test")
    again = await selection.put(
        f"/v1/applications/{eg.application_id}/conflicts/bruno@committee", headers=admin
    )
    assert (again.status_code, again.json()) == (200, recorded.json())
    blank = await selection.put(
        f"/v1/applications/{eg.application_id}/conflicts/%20", headers=admin
    )
    assert problem(blank, 422)["errors"][0]["field"] == "reviewer"
    problem(await selection.put(mine(eg), json=GOOD, headers=bruno), 403)
    assert (await selection.put(mine(tn), json=GOOD, headers=bruno)).status_code == 201
