"""Fast tests of the front's own rules: language negotiation, complete catalogs, the CSRF
token, problem errors turned into messages, the forms' bodies, and the application page's
screened step rendered on answers the services might give. The pages on the real
services are walked in Chromium by test_browser.py."""

from __future__ import annotations

from html import unescape
from typing import Any

import httpx
import pytest
from babel.messages.pofile import read_po
from pydantic import SecretStr

from academy_kit.settings import InsecureSecrets
from academy_web import forms, i18n, security
from academy_web.main import create_app
from academy_web.services import Services
from academy_web.settings import WebSettings

LOCALES = i18n.LOCALES_DIR


def test_language_is_the_choice_then_the_cookie_then_the_browser_then_french() -> None:
    assert i18n.negotiate("en", "fr", "fr-FR") == "en"
    assert i18n.negotiate(None, "en", "fr-FR") == "en"
    assert i18n.negotiate("de", None, "de-DE,en;q=0.8,fr;q=0.5") == "en"
    assert i18n.negotiate(None, None, "en;q=0.2, fr-CA;q=0.9") == "fr"
    assert i18n.negotiate(None, None, "de, en;q=0") == "fr"
    assert i18n.negotiate(None, None, None) == "fr"


def test_every_message_of_the_template_is_translated_in_each_catalog() -> None:
    with (LOCALES / "messages.pot").open("rb") as pot:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(pot) if m.id}
    for language in i18n.LANGUAGES:
        with (LOCALES / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalog = read_po(po)
        found = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
        assert wanted <= set(found), f"{language}: {sorted(wanted - set(found))[:5]}"
        for msgid in wanted:
            string = found[msgid]
            forms = tuple(string) if isinstance(string, (tuple, list)) else (string,)
            assert len(forms) in (1, catalog.num_plurals), (language, msgid)
            assert all(forms), f"{language}: {msgid!r} has an untranslated form"


def test_catalogs_compile_and_translate() -> None:
    catalogs = i18n.compile_catalogs()
    assert catalogs["fr"].gettext("Cluster registration") == "Inscription des clusters"
    assert catalogs["en"].gettext("Cluster registration") == "Cluster registration"


def test_dates_and_amounts_follow_the_page_language() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    moment = datetime(2023, 10, 15, 21, 59, 59, tzinfo=UTC)
    token = i18n.current.set("fr")
    try:
        assert i18n.when(moment) == "15 octobre 2023, 23:59 (Paris)"
        assert i18n.amount(Decimal("1234.5"), "EUR").replace("\u202f", " ") == "1 234,50\xa0€"
        assert i18n.country_name("DZ") == "Algérie"
    finally:
        i18n.current.reset(token)
    token = i18n.current.set("en")
    try:
        assert i18n.when(moment).replace("\u202f", " ") == "October 15, 2023, 11:59 PM (Paris)"
        assert i18n.amount(Decimal("1234.5"), "EUR") == "€1,234.50"
    finally:
        i18n.current.reset(token)


def test_a_session_names_its_day_once_unless_it_ends_on_another() -> None:
    from datetime import UTC, datetime, timedelta

    start = datetime(2027, 1, 30, 8, 0, tzinfo=UTC)
    token = i18n.current.set("fr")
    try:
        assert i18n.span(start, start + timedelta(hours=7)) == (
            "30 janvier 2027, 09:00 \u2013 16:00 (Paris)"
        )
        assert i18n.span(start, start + timedelta(hours=19)) == (
            "30 janvier 2027, 09:00 \u2013 31 janvier 2027, 04:00 (Paris)"
        )
    finally:
        i18n.current.reset(token)


def test_a_file_size_is_written_in_the_page_language_and_never_as_zero() -> None:
    token = i18n.current.set("fr")
    try:
        assert [i18n.size(n) for n in (300, 1024, 240_000, 2_621_440)] == [
            "1\u202fko",  # French sets units off by a narrow no-break space
            "1\u202fko",
            "235\u202fko",
            "2,5\u202fMo",
        ]
    finally:
        i18n.current.reset(token)
    token = i18n.current.set("en")
    try:
        assert [i18n.size(n) for n in (300, 240_000, 2_621_440)] == ["1 kB", "235 kB", "2.5 MB"]
    finally:
        i18n.current.reset(token)


def test_the_error_list_names_the_field_and_whose_it_is() -> None:
    def gettext(text: str) -> str:
        return f"[{text}]"

    assert forms.field_label("participants.1.email", gettext) == (
        "[Board member %(n)s] \u2013 [Email]".replace("%(n)s", "1")
    )
    assert forms.field_label("participants.0", gettext) == "[Cluster manager]"
    assert forms.field_label("contact.email", gettext) == "[Email]"
    assert forms.field_label("cluster.eccp_id", gettext) == "[ECCP profile id]"
    assert forms.field_label("body", gettext) == ""


def test_the_built_in_cookie_key_is_refused_outside_development() -> None:
    with pytest.raises(InsecureSecrets, match="ACADEMY_COOKIE_SECRET is the built-in"):
        WebSettings(env="production").refuse_weak_secrets()
    with pytest.raises(InsecureSecrets, match="ACADEMY_COOKIE_SECRET has 5 bytes"):
        WebSettings(env="production", cookie_secret=SecretStr("short")).refuse_weak_secrets()
    WebSettings(env="development").refuse_weak_secrets()
    WebSettings(
        env="production", cookie_secret=SecretStr("c" * 32), jwt_secret=SecretStr("s" * 32)
    ).refuse_weak_secrets()


def test_the_csrf_token_matches_its_cookie_only() -> None:
    key = SecretStr("k")
    cookie = security.new_csrf_secret()
    token = security.csrf_token(key, cookie)
    assert security.csrf_valid(key, cookie, token)
    assert not security.csrf_valid(key, security.new_csrf_secret(), token)
    assert not security.csrf_valid(SecretStr("other"), cookie, token)
    assert not security.csrf_valid(key, None, token)
    assert not security.csrf_valid(key, cookie, None)


def test_problem_errors_become_messages_by_field_with_the_allowed_values() -> None:
    errors: list[dict[str, Any]] = [
        {"field": "cluster.country", "message": "Input should be 'DZ' or 'EG'", "allowed": ["DZ"]},
        {"field": "participants.1.email", "message": "value is not a valid email address: @"},
        {"field": "motivations", "message": "String should have at least 1 character"},
        {"field": "motivations", "message": "something new"},
    ]
    found = forms.field_errors(errors, lambda s: f"[{s}]", lambda v: f"<{v}>")
    assert found["cluster.country"] == "[Choose one of: <DZ>.]"
    assert found["participants.1.email"] == "[This is not a valid email address.]"
    assert found["motivations"] == (
        "[This field is required.] [This value is not accepted:] something new"
    )


def test_the_application_form_round_trips_through_the_api_body() -> None:
    values = {
        "cluster.name": "Pôle Santé",
        "cluster.country": "TN",
        "cluster.sector": "health",
        "cluster.eccp_id": "",
        "cluster.eccp_profile_url": "https://clustercollaboration.eu/x",
        "participants.0.full_name": "Amel",
        "participants.0.email": " amel@example.org ",
        "participants.0.phone": "",
        "participants.0.language": "fr",
        "motivations": "m",
        "expectations": "e",
        "can_advance_costs": "on",
    }
    body = forms.application_body(values)
    assert body["cluster"]["eccp_id"] is None
    assert [p["role"] for p in body["participants"]] == [
        "cluster_manager",
        "board_member",
        "board_member",
    ]
    assert body["participants"][0]["email"] == "amel@example.org"
    assert body["participants"][0]["phone"] is None
    assert body["can_advance_costs"] is True
    assert body["commits_to_attend"] is False
    application = {
        **body,
        "cluster": {**body["cluster"], "eccp_id": "x"},
        "participants": [
            {**p, "participant_id": str(i)} for i, p in enumerate(body["participants"])
        ],
    }
    shown = forms.application_values(application)
    assert shown["participants.0.email"] == "amel@example.org"
    assert shown["can_advance_costs"] == "on"
    assert "commits_to_attend" not in shown


APPLICATION = {
    "application_id": "app-1",
    "edition_id": "ed-1",
    "revision": 1,
    "status": "submitted",
    "submitted_at": "2026-03-01T09:00:00+00:00",
    "updated_at": "2026-03-01T09:00:00+00:00",
    "cluster": {"name": "Cluster Un", "country": "TN", "sector": "health", "eccp_id": "eccp-1"},
    "participants": [],
    "motivations": "m",
    "expectations": "e",
}
EDITION = {
    "edition_id": "ed-1",
    "title": {"fr": "Académie 2026", "en": "Academy 2026"},
    "registration_deadline": "2026-03-31T21:59:00+00:00",
    "time_zone": "Europe/Paris",
    "sessions": [],
}


async def _application_page(
    screening: httpx.Response, lang: str, offer: httpx.Response | None = None
) -> str:
    """The application's page rendered by the app, with the services answering as given: the
    application and its edition, ``offer`` (default: no selection published), and
    ``screening``."""

    def answer(request: httpx.Request) -> httpx.Response:
        match request.url.path:
            case "/v1/applications/app-1":
                return httpx.Response(200, json=APPLICATION)
            case "/v1/editions/ed-1":
                return httpx.Response(200, json=EDITION)
            case "/v1/applications/app-1/screening":
                return screening
            case "/v1/applications/app-1/offer" if offer is not None:
                return offer
        return httpx.Response(404, json={"type": "urn:cluster-academy:problem:not-published"})

    settings = WebSettings(env="development", cookie_secure=False)
    app = create_app(settings, Services(settings, httpx.MockTransport(answer)))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://web.test") as client,
    ):
        page = await client.get("/applications/app-1", params={"token": "t", "lang": lang})
    assert page.status_code == 200, page.text
    return unescape(" ".join(page.text.split()))


def _screening(*reasons: str, revision: int = 1) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "revision": revision,
            "eligible": not reasons,
            "reasons": list(reasons),
            "screened_at": "2026-04-01T08:00:00+00:00",
        },
    )


@pytest.mark.parametrize(
    ("lang", "eligible", "not_eligible", "reasons"),
    [
        (
            "en",
            "Screened: eligible",
            "Not eligible",
            [
                "The cluster did not declare that it can advance the participants' costs",
                "The application was last changed after the registration deadline.",
            ],
        ),
        (
            "fr",
            "Examinée : éligible",
            "Non éligible",
            [
                "Le cluster n’a pas déclaré pouvoir avancer les frais des participants",
                "La candidature a été modifiée pour la dernière fois après la date limite",
            ],
        ),
    ],
)
async def test_the_timeline_says_whether_the_application_is_eligible_and_why_not(
    lang: str, eligible: str, not_eligible: str, reasons: list[str]
) -> None:
    fine = await _application_page(_screening(), lang)
    assert eligible in fine
    assert not_eligible not in fine

    refused = await _application_page(
        _screening("cannot_advance_costs", "submitted_after_deadline"), lang
    )
    assert not_eligible in refused
    assert eligible not in refused
    for reason in reasons:
        assert reason in refused, reason
    assert "cannot_advance_costs" not in refused


@pytest.mark.parametrize(
    "screening",
    [
        httpx.Response(404, json={"type": "urn:cluster-academy:problem:not-screened"}),
        httpx.Response(503),
        _screening("cannot_advance_costs", revision=0),
    ],
    ids=["not-screened", "selection-down", "an-earlier-revision"],
)
async def test_without_a_screening_of_this_revision_the_step_is_absent(
    screening: httpx.Response,
) -> None:
    page = await _application_page(screening, "en")
    assert "Cluster Un" in page
    assert "eligible" not in page


async def test_the_page_opens_while_selection_does_not_answer() -> None:
    page = await _application_page(httpx.Response(503), "en", offer=httpx.Response(503))
    assert "Cluster Un" in page
    assert "Submitted" in page


@pytest.mark.parametrize(
    ("lang", "heading", "new_link"),
    [
        ("en", "Your personal data was erased", "Ask for a new link"),
        ("fr", "Vos données personnelles ont été effacées", "Demander un nouveau lien"),
    ],
)
async def test_an_erased_persons_link_says_so_and_offers_no_new_link(
    lang: str, heading: str, new_link: str
) -> None:
    """The services answer an erased person's link with 410 ``link-erased``: the page says why
    in the person's language, and does not offer a new link (none could be sent)."""
    erased = {"type": "urn:cluster-academy:problem:link-erased", "status": 410}
    settings = WebSettings(env="development", cookie_secure=False)
    app = create_app(
        settings,
        Services(settings, httpx.MockTransport(lambda _: httpx.Response(410, json=erased))),
    )
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://web.test") as client,
    ):
        page = await client.get("/applications/app-1", params={"token": "t", "lang": lang})
    assert page.status_code == 410
    text = unescape(" ".join(page.text.split()))
    assert heading in text
    assert new_link not in text
