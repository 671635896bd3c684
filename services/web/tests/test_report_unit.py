"""The funder's report page over HTTP on the app, the services answered by a mock: the
programme manager reads the documents service's figures in French, bars sized by them; a
committee member is refused the page; an edition documents has not heard of says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from academy_contracts.roles import Role
from academy_web.main import create_app
from academy_web.security import csrf_token
from academy_web.services import Services
from academy_web.settings import WebSettings
from academy_web.staff.accounts import LocalAccounts

PASSWORD = "a long enough password"
EDITION = {
    "edition_id": "ed-1",
    "title": {"fr": "Académie 2026", "en": "Academy 2026"},
    "registration_deadline": "2026-01-15T23:59:00+00:00",
    "time_zone": "Europe/Paris",
    "sessions": [
        {
            "session_id": "s1",
            "title": {"fr": "Atelier 1", "en": "Workshop 1"},
            "starts_at": "2026-03-02T08:00:00+00:00",
            "ends_at": "2026-03-02T16:00:00+00:00",
            "place": "Marseille",
        }
    ],
}
REPORT: dict[str, Any] = {
    "edition_id": "ed-1",
    "applications": 8,
    "withdrawn": 1,
    "eligible": 6,
    "selected": 4,
    "confirmed": 2,
    "participants": 6,
    "participants_by_country_sector_sex": [
        {"country": "TN", "sector": "health", "sex": "female", "participants": 3},
        {"country": "MA", "sector": "health", "sex": "not_stated", "participants": 3},
    ],
    "attendance": [
        {"session_id": "s1", "starts_at": "2026-03-02T08:00:00Z", "present": 3, "rate": "0.50"}
    ],
    "completed": 3,
    "completion_rate": "0.50",
    "claimed": [{"country": "TN", "category": "visa", "currency": "TND", "amount": "300.00"}],
    "reimbursed": [
        {
            "country": "TN",
            "claims": 1,
            "eligible_eur": "100.00",
            "reimbursed_eur": "90.00",
            "paid_eur": "90.00",
        }
    ],
    "claim_to_payment": {
        "paid_claims": 1,
        "mean_days": "12.5",
        "median_days": "12.5",
        "longest_days": "12.5",
    },
}


def _services(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if path == "/v1/editions/ed-1":
        return httpx.Response(200, json=EDITION)
    if path == "/v1/editions/ed-1/report":
        return httpx.Response(200, json=REPORT)
    if path == "/v1/editions/ed-new":
        return httpx.Response(200, json={**EDITION, "edition_id": "ed-new"})
    if path == "/v1/editions/ed-new/report":
        problem = {"type": "urn:cluster-academy:problem:edition-unknown", "status": 409}
        return httpx.Response(409, json=problem)
    return httpx.Response(404, json={"status": 404})


async def _signed_in(client: httpx.AsyncClient, settings: WebSettings, email: str) -> None:
    await client.get("/staff/sign-in")
    csrf = csrf_token(settings.cookie_secret, client.cookies["academy_csrf"])
    form = {"csrf_token": csrf, "email": email, "password": PASSWORD, "next": "/staff"}
    assert (await client.post("/staff/sign-in", data=form)).status_code == 303


async def test_the_programme_manager_reads_the_figures_and_the_committee_is_refused(
    tmp_path: Path,
) -> None:
    settings = WebSettings(
        env="development", staff_accounts_file=tmp_path / "staff.json", cookie_secure=False
    )
    accounts = LocalAccounts(settings.staff_accounts_file)
    accounts.put("pm@academy.test", "Sarra", {Role.ADMIN}, PASSWORD)
    accounts.put("c@academy.test", "Omar", {Role.COMMITTEE}, PASSWORD)
    app = create_app(settings, Services(settings, httpx.MockTransport(_services)))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://web.test") as client,
    ):
        await _signed_in(client, settings, "pm@academy.test")
        assert 'href="/staff/report"' in (await client.get("/staff?lang=fr")).text
        page = await client.get("/staff/report?edition=ed-1&lang=fr")
        assert page.status_code == 200
        html = page.text
        for expected in (
            "Rapport au financeur",
            '<th scope="row">Éligibles</th><td class="number">6</td>',
            '<th scope="row">Confirmés</th><td class="number">2</td>',
            "Académie 2026",
            "6 participants",
            "3 présents à toutes les sessions (50",
            "Tunisie",
            "Non indiqué",
            "Atelier 1",
            "90,00",
            '<rect width="25%"',  # two confirmed of eight applications
        ):
            assert expected in html, expected
        unknown = await client.get("/staff/report?edition=ed-new&lang=fr")
        assert unknown.status_code == 409
        assert "ne connaît pas encore cette édition" in unknown.text

    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://web.test") as client,
    ):
        await _signed_in(client, settings, "c@academy.test")
        assert (await client.get("/staff/report?edition=ed-1")).status_code == 403
