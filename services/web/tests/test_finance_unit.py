"""Fast tests of the finance pages' own rules, on a reimbursement service played by a mock
transport: attendance in words and the block it makes, amounts summed per currency in Decimal,
the service's refusal of an approval told in the person's language, and the pages refused to
a role without finance, reading and writing alike."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from academy_contracts.roles import Role
from academy_web.main import create_app
from academy_web.security import csrf_token
from academy_web.services import Services
from academy_web.settings import WebSettings
from academy_web.staff.accounts import LocalAccounts
from academy_web.staff.finance import attendance_view, claimed_totals

PASSWORD = "a long enough password"
CLAIM_ID = "claim-1"


def _line(line_id: str, amount: str, currency: str) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "category": "meals",
        "expense_date": "2026-11-20",
        "description": "Repas",
        "amount": {"amount": amount, "currency": currency},
        "documents": [
            {
                "document_id": "d1",
                "kind": "receipt",
                "filename": "recu.pdf",
                "size_bytes": 900,
            }
        ],
    }


CLAIM = {
    "claim_id": CLAIM_ID,
    "application_id": "app-1",
    "edition_id": "ed-1",
    "participant_id": "p-2",
    "state": "complete",
    "lines": [_line("L1", "0.10", "EUR"), _line("L2", "0.20", "EUR"), _line("L3", "150", "TND")],
    "bank": {
        "beneficiary_name": "Hélène Gharbi",
        "account_number": "0801 2345",
        "bic": "BIATTNTT",
        "bank_name": "BIAT",
        "bank_country": "TN",
    },
    "missing": [],
    "submitted_at": "2026-11-21T10:00:00+00:00",
}
EDITION = {
    "edition_id": "ed-1",
    "title": {"fr": "Académie, essai", "en": "Academy, trial"},
    "registration_deadline": "2026-11-01T00:00:00+00:00",
    "time_zone": "Europe/Paris",
    "sessions": [
        {
            "session_id": "s1",
            "title": {"fr": "Atelier de clôture", "en": "Closing workshop"},
            "starts_at": "2026-11-19T08:00:00+00:00",
            "ends_at": "2026-11-19T16:00:00+00:00",
        }
    ],
}
REFUSED = {
    "type": "urn:academy:problem:attendance-incomplete",
    "status": 422,
    "title": "Attendance incomplete",
    "not_ended": [],
    "missed": ["s1"],
}


def test_attendance_in_words_blocks_only_on_a_missed_session() -> None:
    sessions = [{"session_id": s, "title": s} for s in ("s1", "s2", "s3", "s4")]
    check = {"missed": ["s2"], "excused": ["s3"], "not_ended": ["s4"]}
    view = attendance_view(check, sessions)
    assert [(s["session_id"], s["status"]) for s in view["sessions"]] == [
        ("s1", "attended"),
        ("s2", "missed"),
        ("s3", "excused"),
        ("s4", "not_ended"),
    ]
    assert (view["blocked"], view["waiting"]) == (True, True)
    excused = attendance_view({"missed": [], "excused": ["s2"], "not_ended": []}, sessions)
    assert (excused["blocked"], excused["waiting"], excused["missed"]) == (False, False, [])
    assert attendance_view(None, sessions)["known"] is False


def test_claimed_amounts_are_summed_per_currency_exactly() -> None:
    assert claimed_totals(CLAIM) == [(Decimal("0.30"), "EUR"), (Decimal("150"), "TND")]


def _reimbursement(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/v1/editions/ed-1":
        return httpx.Response(200, json=EDITION)
    if path == f"/v1/claims/{CLAIM_ID}":
        return httpx.Response(200, json=CLAIM)
    if path.endswith("/attendance"):
        return httpx.Response(200, json={"missed": ["s1"], "excused": [], "not_ended": []})
    if path.endswith("/assessment"):
        body = {"lines": [], "categories": [], "eligible_eur": "44.78", "reimbursed_eur": "40.30"}
        return httpx.Response(200, json=body)
    if path.endswith("/approval"):
        return httpx.Response(422, content=json.dumps(REFUSED))
    if path == "/v1/claims":
        return _claims_page(request.url.params)
    if path == "/v1/payment-batches":
        return httpx.Response(200, json={"items": [], "total": 0, "offset": 0, "limit": 20})
    return httpx.Response(404, json={"status": 404})


WAITING = 120
"""Approved claims in no batch, behind as many already in one (older, listed first)."""


def _claims_page(params: httpx.QueryParams) -> httpx.Response:
    """The reimbursement service's claim list: the approved claims in no batch are listed
    only when asked with ``batched=false``; unfiltered, the oldest are in a batch."""
    limit = int(params.get("limit", 100))
    batched = params.get("batched")
    claims = [
        {
            "claim_id": f"c{n}",
            "state": "approved",
            "batch_id": None,
            "bank": {"beneficiary_name": f"Waiting {n}", "bank_country": "TN"},
            "assessment": {"reimbursed_eur": "40.30"},
        }
        for n in range(WAITING)
    ]
    if batched != "false":
        claims = [{**c, "batch_id": "b1"} for c in claims] + claims
    page = {"items": claims[:limit], "total": len(claims), "offset": 0, "limit": limit}
    return httpx.Response(200, json=page)


async def _signed_in(client: httpx.AsyncClient, settings: WebSettings, email: str) -> str:
    await client.get("/staff/sign-in")
    csrf = csrf_token(settings.cookie_secret, client.cookies["academy_csrf"])
    form = {"csrf_token": csrf, "email": email, "password": PASSWORD, "next": "/staff"}
    assert (await client.post("/staff/sign-in", data=form)).status_code == 303
    return csrf


async def test_a_missed_session_blocks_approval_in_the_persons_language(tmp_path: Path) -> None:
    settings = WebSettings(
        env="development", staff_accounts_file=tmp_path / "staff.json", cookie_secure=False
    )
    accounts = LocalAccounts(settings.staff_accounts_file)
    accounts.put("f@academy.test", "F", {Role.FINANCE}, PASSWORD)
    accounts.put("a@academy.test", "A", {Role.ADMIN, Role.COMMITTEE}, PASSWORD)
    app = create_app(settings, Services(settings, httpx.MockTransport(_reimbursement)))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://web.test") as client,
        httpx.AsyncClient(transport=transport, base_url="http://web.test") as other,
    ):
        csrf = await _signed_in(client, settings, "f@academy.test")
        page = (await client.get(f"/staff/finance/claims/{CLAIM_ID}?lang=fr")).text
        assert "Approbation bloquée : une session a été manquée" in page
        assert "Atelier de clôture" in page
        assert "Approuver la demande" not in page
        assert "0,30\u00a0€" in page  # not 0.30000000000000004
        assert "150,000\u00a0TND" in page
        posted = await client.post(
            f"/staff/finance/claims/{CLAIM_ID}/approval?lang=en", data={"csrf_token": csrf}
        )
        assert posted.status_code == 422
        assert "the participant missed a session that is not excused" in posted.text
        assert "Missed: Closing workshop" in posted.text

        csrf = await _signed_in(other, settings, "a@academy.test")
        for path in ("/staff/finance", f"/staff/finance/claims/{CLAIM_ID}", "/staff/payments"):
            assert (await other.get(path)).status_code == 403, path
        for path in (f"/staff/finance/claims/{CLAIM_ID}/approval", "/staff/payments/batches"):
            assert (await other.post(path, data={"csrf_token": csrf})).status_code == 403, path
        assert 'href="/staff/finance"' not in (await other.get("/staff")).text


async def test_the_payments_page_lists_the_claims_a_batch_would_gather(tmp_path: Path) -> None:
    """However many claims wait in unpaid batches, the page lists those in none (the oldest
    first) and says how many more there are; the batch button is there."""
    settings = WebSettings(
        env="development", staff_accounts_file=tmp_path / "staff.json", cookie_secure=False
    )
    LocalAccounts(settings.staff_accounts_file).put("f@academy.test", "F", {Role.FINANCE}, PASSWORD)
    app = create_app(settings, Services(settings, httpx.MockTransport(_reimbursement)))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://web.test") as c,
    ):
        await _signed_in(c, settings, "f@academy.test")
        page = (await c.get("/staff/payments?lang=fr")).text
    assert "Waiting 0<" in page
    assert "Waiting 49<" in page
    assert "Waiting 50<" not in page
    assert f"Les 50 plus anciennes sont affichées, sur {WAITING} demandes en attente." in page
    assert "Créer un lot de paiement" in page
