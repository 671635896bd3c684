"""Who may call what: every staff route names its roles, answers 401 without a token and 403
with a token lacking them; offers also open to the applicant's link token."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

PUBLIC = {("GET", "/health/live"), ("GET", "/health/ready"), ("GET", "/asyncapi.json")}
ADMIN, BOTH, COMMITTEE = {"admin"}, {"admin", "committee"}, {"committee"}
EDITION, APPLICATION = "/v1/editions/{edition_id}", "/v1/applications/{application_id}"
ROLES = {
    ("PUT", f"{EDITION}/review-policy"): ADMIN,
    ("GET", f"{EDITION}/review-policy"): BOTH,
    ("PUT", f"{EDITION}/balance-rules"): ADMIN,
    ("GET", f"{EDITION}/balance-rules"): BOTH,
    ("GET", f"{EDITION}/review-queue"): COMMITTEE,
    ("PUT", f"{APPLICATION}/reviews/mine"): COMMITTEE,
    ("GET", f"{APPLICATION}/reviews"): BOTH,
    ("PUT", f"{APPLICATION}/recusal"): COMMITTEE,
    ("PUT", f"{APPLICATION}/conflicts/{{reviewer}}"): ADMIN,
    ("GET", f"{EDITION}/review-progress"): BOTH,
    ("POST", f"{EDITION}/selection/preview"): ADMIN,
    ("POST", f"{EDITION}/selection"): ADMIN,
    ("GET", f"{EDITION}/selection"): BOTH,
    ("POST", f"{EDITION}/selection/close-waitlist"): ADMIN,
    ("GET", f"{APPLICATION}/offer"): ADMIN,  # or the applicant's link token
    ("GET", f"{APPLICATION}/screening"): ADMIN,  # or the manager's link token
    ("POST", f"{APPLICATION}/offer/confirm"): ADMIN,  # or the applicant's link token
    ("POST", f"{APPLICATION}/offer/decline"): ADMIN,  # or the applicant's link token
    ("GET", f"{EDITION}/report"): BOTH,
}


async def test_every_route_admits_exactly_its_roles(
    selection: Any, operations: Any, staff_headers: Any, problem: Any
) -> None:
    assert operations(selection.app) == set(ROLES) | PUBLIC
    for (method, path), allowed in sorted(ROLES.items()):
        url = path.format(edition_id="ed-unknown", application_id="app-unknown", reviewer="someone")
        anonymous = await selection.request(method, url)
        assert problem(anonymous, 401), (method, path)
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        for role in ("admin", "committee", "finance", "checkin"):
            response = await selection.request(method, url, headers=staff_headers(role))
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role)
            else:
                assert problem(response, 403)["allowed"] == sorted(allowed), (method, path, role)
