"""Who may call what: every finance route answers 401 without a token and 403 with a token
lacking its roles; participants' routes open only with their own application's link token."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from academy_contracts import links
from academy_reimbursement.settings import ReimbursementSettings

pytestmark = pytest.mark.integration

PARTICIPANT = "/v1/applications/{application_id}/participants/{participant_id}"
PUBLIC = {
    ("GET", "/health/live"),
    ("GET", "/health/ready"),
    ("GET", "/asyncapi.json"),
    # Opened by the application's link token instead (below).
    ("POST", f"{PARTICIPANT}/documents"),
    ("GET", f"{PARTICIPANT}/documents"),
    ("POST", f"{PARTICIPANT}/claim"),
    ("GET", f"{PARTICIPANT}/claim"),
    ("POST", f"{PARTICIPANT}/claim/lines/{{line_id}}/documents"),
}
FINANCE, CAPS = {"finance"}, {"finance", "admin"}
EDITION_PARTICIPANT = "/v1/editions/{edition_id}/participants/{participant_id}"
STAFF = {
    ("GET", "/v1/claims"): FINANCE,
    ("GET", "/v1/claims/{claim_id}"): FINANCE,
    ("GET", "/v1/claims/{claim_id}/documents/{document_id}"): FINANCE,
    ("GET", "/v1/claims/{claim_id}/assessment"): FINANCE,
    ("POST", "/v1/claims/{claim_id}/approval"): FINANCE,
    ("POST", "/v1/claims/{claim_id}/rejection"): FINANCE,
    ("GET", f"{EDITION_PARTICIPANT}/attendance"): FINANCE,
    ("PUT", f"{EDITION_PARTICIPANT}/excused-absences/{{session_id}}"): FINANCE,
    ("POST", "/v1/rate-tables"): FINANCE,
    ("GET", "/v1/rate-tables/latest"): FINANCE,
    ("GET", "/v1/editions/{edition_id}/caps"): CAPS,
    ("PUT", "/v1/editions/{edition_id}/caps"): CAPS,
    ("POST", "/v1/payment-batches"): FINANCE,
    ("GET", "/v1/payment-batches"): FINANCE,
    ("GET", "/v1/payment-batches/{batch_id}"): FINANCE,
    ("GET", "/v1/payment-batches/{batch_id}/transfers.csv"): FINANCE,
    ("POST", "/v1/payment-batches/{batch_id}/payment"): FINANCE,
}


async def test_every_finance_route_admits_exactly_its_roles(
    service: Any, operations: Any, staff_headers: Any, problem: Any
) -> None:
    assert operations(service.app) == PUBLIC | set(STAFF)
    for (method, path), allowed in sorted(STAFF.items()):
        url = re.sub(r"\{[^}]+\}", "x", path)
        assert problem(await service.request(method, url, json={}), 401)
        for role in ("admin", "committee", "finance", "checkin"):
            response = await service.request(method, url, headers=staff_headers(role), json={})
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role)
            else:
                assert problem(response, 403)["allowed"] == sorted(allowed)


async def test_participants_reach_only_their_own_claims_with_their_link_token(
    service: Any, enrol: Any, problem: Any, staff_headers: Any
) -> None:
    cohort = await enrol()
    other = await enrol()
    manager, teammate = cohort.participant_ids[0], cohort.participant_ids[1]
    url = f"{cohort.path(teammate)}/documents"
    assert (await service.get(url, headers=cohort.headers(teammate))).json() == []
    secret = ReimbursementSettings().link_secret
    expired = links.issue(
        secret,
        cohort.application_id,
        teammate,
        links.Scope.PARTICIPANT,
        now=datetime.now(UTC) - timedelta(days=200),
    )
    tampered = cohort.token(teammate)[:-3] + "abc"
    for headers, status, kind in (
        ({}, 401, "link-invalid"),
        ({links.TOKEN_HEADER: "not-the-token"}, 401, "link-invalid"),
        ({links.TOKEN_HEADER: tampered}, 401, "link-invalid"),
        ({links.TOKEN_HEADER: expired}, 401, "link-expired"),
        (other.headers(other.participant_ids[1]), 403, "link-other-application"),
        (cohort.headers(manager), 403, "link-other-person"),  # the manager files for no one
        (staff_headers("admin", "finance"), 401, "link-invalid"),
    ):
        assert problem(await service.get(url, headers=headers), status)["type"].endswith(kind)
    french = await service.get(url, headers={**cohort.headers(manager), "Accept-Language": "fr"})
    assert problem(french, 403)["title"] == "Pas votre demande"
    assert problem(
        await service.get(f"{cohort.path(teammate)}/claim", headers=cohort.headers(teammate)), 404
    )
