"""Fast tests of the selection pages on the app, with the services answering from this module
(no server): the matrix and each cluster's place in words, the relaxation to accept, the
publication's refusals in the person's language, the admin's role checked on the server, and
review scores written as the page's language writes numbers."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from academy_contracts.roles import Role
from academy_web import i18n
from academy_web.main import create_app
from academy_web.security import csrf_token
from academy_web.services import Services
from academy_web.settings import WebSettings
from academy_web.staff.accounts import LocalAccounts
from academy_web.staff.selection import eligibility_reasons, matrix, rule

PASSWORD = "a long enough password"
EDITION = "ed-1"
NOW = datetime.now(UTC)


def _decision(app: str, name: str, country: str, sector: str, status: str, **more: Any) -> Any:
    return {
        "application_id": app,
        "cluster": {"name": name, "country": country, "sector": sector, "eccp_id": "e"},
        "participants": [],
        "submitted_at": NOW.isoformat(),
        "status": status,
        "decided_at": NOW.isoformat(),
        **more,
    }


PREVIEW: dict[str, Any] = {
    "feasible": False,
    "conflicts": [["country_min:DZ"]],
    "relaxations": [{"rule": "country_min:DZ", "bound": 1, "relaxed_to": 0}],
    "objective": "9.5",
    "capacity": 1,
    "rules": {
        "countries": {"DZ": {"minimum": 0, "maximum": 1}, "TN": {"minimum": 0, "maximum": 1}},
        "sectors": {"health": {"minimum": 0, "maximum": 1}},
        "cells": {},
    },
    "selected": [
        _decision(
            "a1",
            "Pôle Santé Sfax",
            "TN",
            "health",
            "offered",
            explanation={
                "score": "87.50",
                "rank": 1,
                "rank_in_country": 1,
                "rank_in_sector": 1,
                "binding_rules": [],
                "summary": "Selected on rank",
            },
        )
    ],
    "waitlist": [
        _decision(
            "a2",
            "Cluster Santé Fès",
            "MA",
            "health",
            "waitlisted",
            waitlist_rank=1,
            explanation={
                "score": "3.5",
                "rank": 2,
                "rank_in_country": 1,
                "rank_in_sector": 2,
                "binding_rules": ["capacity", "sector_max:health"],
                "summary": "Waitlisted",
            },
        )
    ],
    "rejected": [
        _decision(
            "a3",
            "Cluster sans profil",
            "EG",
            "energy_environment",
            "rejected",
            rejection="not_eligible",
            explanation={"summary": "Not eligible: eccp_missing, not-a-reason"},
        )
    ],
    "unranked": [],
}


def _answer(request: httpx.Request, published: list[dict[str, Any]]) -> httpx.Response:
    path, method = request.url.path, request.method
    edition = {
        "edition_id": EDITION,
        "title": {"fr": "Académie 2027", "en": "Academy 2027"},
        "registration_deadline": (NOW - timedelta(days=1)).isoformat(),
        "time_zone": "Europe/Paris",
        "capacity": 1,
        "sessions": [],
    }
    problem = {"content-type": "application/problem+json"}
    if path == "/v1/editions":
        return httpx.Response(200, json=[edition])
    if path == f"/v1/editions/{EDITION}":
        return httpx.Response(200, json=edition)
    if path == f"/v1/editions/{EDITION}/selection" and method == "GET":
        if published:
            return httpx.Response(200, json=published[0])
        body = {"type": "urn:academy:problem:not-published", "status": 404}
        return httpx.Response(404, json=body, headers=problem)
    if path == f"/v1/editions/{EDITION}/selection/preview":
        return httpx.Response(200, json=PREVIEW)
    if path == f"/v1/editions/{EDITION}/selection" and method == "POST":
        sent = json.loads(request.content)
        if not sent["accept_relaxations"]:
            body = {"type": "urn:academy:problem:rules-conflict", "status": 409}
            return httpx.Response(409, json=body, headers=problem)
        if sent["offer_period"] == 86400:  # one day: the test's stand-in for a refusal
            body = {"type": "urn:academy:problem:registration-open", "status": 409}
            return httpx.Response(409, json=body, headers=problem)
        published.append(
            {
                "edition_id": EDITION,
                "published_at": NOW.isoformat(),
                "published_by": "pm@academy.test",
                "offer_period": "P14D",
                "capacity": 1,
                "rules": PREVIEW["rules"],
                "objective": "9.5",
                "closed": False,
                "decisions": [
                    {**d, "offer_deadline": (NOW + timedelta(days=14)).isoformat()}
                    if d["status"] == "offered"
                    else d
                    for d in PREVIEW["selected"] + PREVIEW["waitlist"] + PREVIEW["rejected"]
                ],
            }
        )
        return httpx.Response(201, json=published[-1])
    if path == f"/v1/editions/{EDITION}/review-queue":
        cluster = {"name": "Pôle Santé Sfax", "country": "TN", "sector": "health", "eccp_id": "e"}
        review = {"reviewer": "c@academy.test", "score": "87.50", "scores": {}}
        item = {"application_id": "a1", "cluster": cluster, "reviews": 1, "my_review": review}
        return httpx.Response(200, json=[item])
    return httpx.Response(404, json={"type": "urn:academy:problem:not-found"})


async def _signed_in(
    client: httpx.AsyncClient, settings: WebSettings, email: str, language: str = "fr"
) -> str:
    await client.get(f"/staff/sign-in?lang={language}")
    csrf = csrf_token(settings.cookie_secret, client.cookies["academy_csrf"])
    form = {"csrf_token": csrf, "email": email, "password": PASSWORD, "next": "/staff"}
    assert (await client.post("/staff/sign-in", data=form)).status_code == 303
    return csrf


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, WebSettings, list[Any]]]:
    settings = WebSettings(
        env="development", staff_accounts_file=tmp_path / "staff.json", cookie_secure=False
    )
    accounts = LocalAccounts(settings.staff_accounts_file)
    accounts.put("pm@academy.test", "Pia", {Role.ADMIN}, PASSWORD)
    accounts.put("c@academy.test", "C", {Role.COMMITTEE}, PASSWORD)
    published: list[Any] = []
    services = Services(settings, httpx.MockTransport(lambda r: _answer(r, published)))
    app = create_app(settings, services)
    app.state.services = services  # the transport runs no lifespan, which would set it
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web.test") as found:
        yield found, settings, published


async def test_the_preview_shows_the_matrix_the_relaxation_and_each_place_in_words(
    client: tuple[httpx.AsyncClient, WebSettings, list[Any]],
) -> None:
    http, settings, _ = client
    await _signed_in(http, settings, "pm@academy.test")
    page = (await http.get(f"/staff/selection/{EDITION}")).text
    assert "<li>Algérie : au moins 1 cluster</li>" in page  # the rule in conflict, as asked
    assert "Algérie : au moins 0 cluster" in page  # the solver's relaxation
    assert "Note 87,5" in page  # Babel's French number, not "87.50"
    assert "Liste d’attente, n° 1" in page
    assert "au plus 1 place au total" in page  # why the waitlisted one is out
    assert "profil ECCP" in page  # the screening code in words
    assert "not-a-reason" not in page
    assert 'name="relax" type="checkbox" value="accepted" required' in page
    only = (await http.get(f"/staff/selection/{EDITION}?cell=MA/health&lang=en")).text
    assert "Cluster Santé Fès" in only
    assert "Pôle Santé Sfax" not in only
    assert "Score 3.5" in only


async def test_publishing_asks_for_confirmation_and_shows_refusals_in_the_persons_language(
    client: tuple[httpx.AsyncClient, WebSettings, list[Any]],
) -> None:
    http, settings, published = client
    csrf = await _signed_in(http, settings, "pm@academy.test")
    unaccepted = (await http.get(f"/staff/selection/{EDITION}/publish")).text
    assert "Publier la sélection</button>" not in unaccepted
    step = (await http.get(f"/staff/selection/{EDITION}/publish?relax=accepted")).text
    assert "Publier la sélection</button>" in step
    assert "1 cluster se voit offrir une place" in step
    form = {"csrf_token": csrf, "relax": "accepted", "offer_days": "1"}
    url = f"/staff/selection/{EDITION}/publish"
    refused = await http.post(url, data=form)
    assert refused.status_code == 409
    assert "Les inscriptions sont encore ouvertes" in refused.text
    english = await http.post(f"{url}?lang=en", data=form)
    assert "Registration is still open" in english.text
    french = f"{url}?lang=fr"  # the English page's choice is remembered: back to French
    no_relaxation = await http.post(french, data={**form, "relax": "", "offer_days": "14"})
    assert "ne peuvent pas toutes être tenues" in no_relaxation.text
    wrong_days = await http.post(url, data={**form, "offer_days": "91"})
    assert wrong_days.status_code == 422
    assert not published

    done = await http.post(url, data={**form, "offer_days": "14"})
    assert done.status_code == 303
    assert done.headers["location"] == f"/staff/selection/{EDITION}?published=1"
    result = (await http.get(done.headers["location"])).text
    assert "La sélection est publiée." in result
    assert "1 offre est envoyée" in result
    assert "Offre ouverte jusqu’au" in result
    again = await http.get(f"/staff/selection/{EDITION}/publish?relax=accepted")
    assert again.status_code == 303  # published already: the page shows it as such


async def test_only_the_programme_manager_opens_or_posts_the_selection_pages(
    client: tuple[httpx.AsyncClient, WebSettings, list[Any]],
) -> None:
    http, settings, published = client
    csrf = await _signed_in(http, settings, "c@academy.test")
    for path in ("/staff/selection", f"/staff/selection/{EDITION}"):
        assert (await http.get(path)).status_code == 403
    assert (await http.get(f"/staff/selection/{EDITION}/publish")).status_code == 403
    form = {"csrf_token": csrf, "relax": "accepted", "offer_days": "14"}
    assert (await http.post(f"/staff/selection/{EDITION}/publish", data=form)).status_code == 403
    assert not published
    home = (await http.get("/staff")).text
    assert 'href="/staff/selection"' not in home
    queue = (await http.get(f"/staff/reviews?edition={EDITION}")).text
    assert "Faite : 87,5" in queue


def test_rules_matrix_and_screening_codes_are_read_from_selections_names() -> None:
    assert rule("cell_max:TN/health", 3) == {
        "name": "cell_max:TN/health",
        "side": "max",
        "num": 3,
        "country": "TN",
        "sector": "health",
    }
    assert rule("capacity", 21)["side"] == "capacity"
    grid = matrix(
        PREVIEW["selected"] + PREVIEW["waitlist"],
        PREVIEW["rules"],
        PREVIEW["relaxations"],
    )
    tunisia = next(c for c in grid["countries"] if c["code"] == "TN")
    algeria = next(c for c in grid["countries"] if c["code"] == "DZ")
    assert (tunisia["taken"], tunisia["maximum"]) == (1, 1)
    assert algeria["asked_minimum"] == 1
    assert grid["cells"]["MA/health"]["counts"] == {"waitlisted": 1}
    assert grid["taken"] == 1
    assert eligibility_reasons("Not eligible: eccp_missing, made_up") == ["eccp_missing"]
    for language, written in (("fr", "87,5"), ("en", "87.5")):
        token = i18n.current.set(language)
        try:
            assert i18n.number("87.50") == written
        finally:
            i18n.current.reset(token)
