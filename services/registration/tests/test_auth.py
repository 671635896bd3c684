"""No staff route answers without a token of the right role. Every operation of the OpenAPI
document is called without a token, with bad tokens and with a token per role, so a route
added later without its guard fails here unless it is deliberately public."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings

pytestmark = pytest.mark.integration

PUBLIC = {
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/asyncapi.json"),
    ("GET", "/v1/editions"),
    ("GET", "/v1/editions/{edition_id}"),
    ("POST", "/v1/applications"),
    ("POST", "/v1/companies"),
    ("POST", "/v1/links/requests"),
}
LINKED = {
    # Opened by a personal link instead of a staff token (test_application_rules.py).
    ("GET", "/v1/applications/{application_id}"),
    ("PUT", "/v1/applications/{application_id}"),
    ("POST", "/v1/applications/{application_id}/withdrawal"),
    ("GET", "/v1/applications/{application_id}/participants/{participant_id}"),
}
CHECK_IN_DESK = {Role.ADMIN, Role.CHECKIN}
STAFF = {
    ("POST", "/v1/editions"): {Role.ADMIN},
    ("PUT", "/v1/editions/{edition_id}"): {Role.ADMIN},
    ("GET", "/v1/applications"): {Role.ADMIN, Role.COMMITTEE},
    ("GET", "/v1/applications.csv"): {Role.ADMIN, Role.COMMITTEE},
    ("GET", "/v1/companies"): {Role.ADMIN},
    ("POST", "/v1/applications/{application_id}/erasures"): {Role.ADMIN},
    ("GET", "/v1/editions/{edition_id}/participants"): CHECK_IN_DESK,
    ("POST", "/v1/editions/{edition_id}/sessions/{session_id}/check-ins"): CHECK_IN_DESK,
    ("GET", "/v1/editions/{edition_id}/sessions/{session_id}/check-ins"): CHECK_IN_DESK,
    (
        "DELETE",
        "/v1/editions/{edition_id}/sessions/{session_id}/check-ins/{participant_id}",
    ): CHECK_IN_DESK,
}


def _bearer(settings: ServiceSettings, roles: list[Role], ttl: float = 3600) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(settings, 'tester', roles, timedelta(seconds=ttl))}"}


async def test_every_staff_route_needs_a_token_with_one_of_its_roles(
    api: Any, operations: Any, problem: Any
) -> None:
    settings = ServiceSettings()
    forged = ServiceSettings(jwt_secret=SecretStr("another-secret-of-at-least-32-bytes!!"))
    guarded: dict[tuple[str, str], set[Role]] = {}
    for method, path in sorted(operations(api.app)):
        url = re.sub(r"\{[^}]+\}", "x", path)
        anonymous = await api.request(method, url, json={})
        if (method, path) in LINKED:
            assert problem(anonymous, 401)["type"].endswith("link-invalid")
            continue
        if anonymous.status_code != 401:
            assert (method, path) in PUBLIC, f"{method} {path} answers without a token"
            continue
        for headers in (
            {"Authorization": "Bearer not-a-jwt"},
            _bearer(forged, list(Role)),
            _bearer(settings, list(Role), ttl=-60),  # expired
        ):
            response = await api.request(method, url, headers=headers, json={})
            assert problem(response, 401)["type"].endswith("unauthorized")
            assert response.headers["www-authenticate"].startswith("Bearer")
        guarded[method, path] = set()
        for role in Role:
            response = await api.request(method, url, headers=_bearer(settings, [role]), json={})
            if response.status_code == 403:
                assert problem(response, 403)["allowed"]
            else:
                assert response.status_code != 401, response.text
                guarded[method, path].add(role)
    assert guarded == STAFF
