"""The staff console in Chromium, on the real services: a check-in clerk signs in with a local
account (made with ``academy-staff add``), finds a participant as they type and checks them in
with one click, checks another in by the QR code on her page (read from the picture as a scanner
reads it) at a tablet's width, and undoes that check-in; a committee member is refused the desk,
page and form alike; sign-out ends the session; a person signs in through an OpenID Connect
provider (PKCE) and gets the roles its claim names. axe-core checks every page; each is
photographed in French and English at desktop and phone widths, the desk also at tablet width,
into ``.cache/screenshots/``."""

from __future__ import annotations

import asyncio
import io
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from academy_contracts import links
from academy_contracts.events import ClusterProfile, ClusterSelected
from academy_contracts.roles import Role
from academy_contracts.values import Participant
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings

from .support import browsing, oidc_provider, system

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

TABLET = {**browsing.WIDTHS, "tablet": (820, 1180)}
"""The desk is also photographed at the width of the tablet it is used on."""
CLERK, REVIEWER, PASSWORD = browsing.CLERK, browsing.REVIEWER, browsing.PASSWORD
TITLE = "Académie des clusters, session en cours"


@dataclass(frozen=True)
class Console:
    system: system.System
    provider: oidc_provider.Provider
    edition: str
    application: dict[str, Any]
    participants: list[dict[str, Any]]


def _admin() -> dict[str, str]:
    token = mint(ServiceSettings(), "console-test", [Role.ADMIN], timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def _edition_running_now(registration: str) -> str:
    """An edition whose first session began half an hour ago (the desk is open) and whose
    second is next month; its title is its own among the session system's editions (the
    committee member picks it by name)."""
    edition_id = f"desk-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    form = browsing.edition_form(
        "session en cours",
        now + timedelta(days=7),
        english="session under way",
        starts=(now - timedelta(minutes=30), now + timedelta(days=30)),
        hours=6,
    )
    body = {"edition_id": edition_id, **form}
    answer = httpx.post(f"{registration}/v1/editions", json=body, headers=_admin(), timeout=30)
    assert answer.status_code == 201, answer.text
    return edition_id


def _applied(registration: str, edition_id: str) -> dict[str, Any]:
    body = {
        "edition_id": edition_id,
        "cluster": {
            "name": "Pôle Santé Sfax",
            "country": "TN",
            "sector": "health",
            "eccp_id": f"eccp-{uuid.uuid4().hex[:8]}",
            "eccp_profile_url": "https://clustercollaboration.eu/cluster-organisations/pole-sante",
        },
        "participants": [
            {"role": role, "full_name": name, "email": email, "language": "fr"}
            for role, name, email in (
                ("cluster_manager", "Amel Ben Salah", "amel@pole-sante.tn"),
                ("board_member", "Karim Trabelsi", "karim@pole-sante.tn"),
                ("board_member", "Hélène Gharbi", "helene@pole-sante.tn"),
            )
        ],
        "motivations": "Renforcer les échanges avec les clusters de santé de la Méditerranée.",
        "expectations": "Des méthodes pour animer le cluster et monter des projets européens.",
        "can_advance_costs": True,
        "commits_to_attend": True,
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    answer = httpx.post(f"{registration}/v1/applications", json=body, headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    receipt: dict[str, Any] = answer.json()
    return receipt


async def _select(
    sending: Callable[[str], Any], kafka: str, receipt: dict[str, Any], edition_id: str
) -> None:
    """Selection's decision, as the selection service publishes it."""
    async with sending(kafka) as put:
        await put(
            ClusterSelected(
                application_id=receipt["application_id"],
                edition_id=edition_id,
                cluster=ClusterProfile.model_validate(receipt["cluster"]),
                participants=[Participant.model_validate(p) for p in receipt["participants"]],
                selected_at=datetime.now(UTC),
            )
        )


def _on_the_committee(selection: str, edition_id: str, reviewer: str) -> None:
    """The programme manager names the edition's committee (once selection knows the
    edition)."""
    url = f"{selection}/v1/editions/{edition_id}/review-policy"
    policy = {"min_reviews": 1, "committee": [{"subject": reviewer}]}
    for _ in range(600):
        answer = httpx.put(url, json=policy, headers=_admin(), timeout=10)
        if answer.status_code == 200:
            return
        time.sleep(0.5)
    raise AssertionError(f"selection refused the review policy: {answer.text}")


def _in_queue(selection: str, edition_id: str, reviewer: str) -> None:
    token = mint(ServiceSettings(), reviewer, [Role.COMMITTEE], timedelta(hours=1))
    url = f"{selection}/v1/editions/{edition_id}/review-queue"
    for _ in range(600):
        if httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).json():
            return
        time.sleep(0.5)
    raise AssertionError("selection never screened the application")


def _expected(registration: str, edition_id: str) -> list[Any]:
    token = mint(ServiceSettings(), "console-test", [Role.CHECKIN], timedelta(hours=1))
    url = f"{registration}/v1/editions/{edition_id}/participants"
    found: list[Any] = httpx.get(url, headers={"Authorization": f"Bearer {token}"}).json()
    return found


@pytest.fixture(scope="module")
def console(web_system: system.System, identity_provider: oidc_provider.Provider) -> Console:
    """An edition of this module's own, on the session's system, with its committee named
    and one application in."""
    registration = web_system.urls["registration"]
    edition_id = _edition_running_now(registration)
    _on_the_committee(web_system.urls["selection"], edition_id, REVIEWER)
    receipt = _applied(registration, edition_id)
    return Console(web_system, identity_provider, edition_id, receipt, receipt["participants"])


@pytest.fixture(autouse=True)
def selected(console: Console, servers: Any, sending: Any) -> None:
    """The cluster selected (once: the first test sends selection's event and waits until
    registration has learned of it)."""
    registration = console.system.urls["registration"]
    if _expected(registration, console.edition):
        return
    # Playwright's sync API holds this thread's event loop: the producer runs in another.
    with ThreadPoolExecutor(1) as thread:
        selection = _select(sending, servers.kafka_bootstrap, console.application, console.edition)
        thread.submit(asyncio.run, selection).result()
    for _ in range(600):
        if _expected(registration, console.edition):
            return
        time.sleep(0.5)
    raise AssertionError("registration never learned of the selection")


def sign_in(page: Page, web: str, email: str, target: str = "/staff") -> None:
    page.goto(f"{web}{target}")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def photograph(chromium: Browser, state: Any, url: str, name: str, tablet: bool = False) -> None:
    """The page as the signed-in person of ``state`` sees it (see ``browsing.photograph``),
    at the tablet's width too for the desk."""
    widths = TABLET if tablet else browsing.WIDTHS
    browsing.photograph(chromium, url, f"staff-{name}", state=state, widths=widths)


def test_a_clerk_signs_in_finds_a_participant_as_they_type_and_checks_them_in(
    console: Console, page: Page, chromium: Browser
) -> None:
    web = console.system.web
    page.goto(f"{web}/staff/desk")
    browsing.accessible(page)
    photograph(chromium, None, f"{web}/staff/sign-in", "sign-in")
    page.get_by_label("Adresse e-mail").fill(CLERK)
    page.get_by_label("Mot de passe").fill("not the password at all")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("n’est pas correct")
    sign_in(page, web, CLERK, "/staff/desk")

    expect(page.get_by_role("heading", name="Accueil des participants")).to_be_visible()
    session = page.get_by_label("Session")
    assert session.input_value() == f"{console.edition}/s1"
    expect(session).to_contain_text("enregistrement ouvert")
    browsing.accessible(page)
    page.get_by_role("button", name="Ouvrir l’accueil").click()
    expect(page.get_by_text("0 présent sur 3")).to_be_visible()

    page.get_by_label("Trouver un participant").press_sequentially("trabel", delay=60)
    # The list follows the typing (a request per pause; slow on a loaded machine).
    typed = f"{web}/staff/desk?session={console.edition}%2Fs1&q=trabel"
    expect(page).to_have_url(typed, timeout=30_000)
    results = page.locator("#results")
    assert results.get_by_role("row").count() == 2, results.inner_text()  # header, Karim
    page.get_by_role("button", name="Enregistrer Karim Trabelsi").click()
    expect(page.get_by_role("status")).to_have_text("Karim Trabelsi est enregistré·e.")
    expect(page.get_by_text("1 présent sur 3")).to_be_visible()
    expect(page.get_by_role("row", name="Karim Trabelsi")).to_contain_text("Présent depuis")
    browsing.accessible(page)

    # Found without JavaScript too, by country name and without the accent.
    page.goto(f"{web}/staff/desk?session={console.edition}/s1&q=tunisie+helene&lang=fr")
    expect(page.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("row", name="Hélène Gharbi")).to_be_visible()
    page.goto(f"{web}/staff/desk?session={console.edition}/s1&show=missing")
    expect(page.get_by_role("row")).to_have_count(3)  # Amel and Hélène

    karim = next(p for p in console.participants if p["full_name"] == "Karim Trabelsi")
    listed = httpx.get(
        f"{console.system.urls['registration']}/v1/editions/{console.edition}"
        "/sessions/s1/check-ins",
        headers=_admin(),
        timeout=10,
    ).json()
    assert [c["participant_id"] for c in listed] == [karim["participant_id"]]

    state = page.context.storage_state()
    photograph(chromium, state, f"{web}/staff", "home")
    photograph(chromium, state, f"{web}/staff/desk", "desk-pick")
    photograph(chromium, state, f"{web}/staff/desk?session={console.edition}/s1", "desk", True)


def _participant_link(console: Console, name: str) -> tuple[str, str]:
    """The participant's id and the address of their own page (their personal link)."""
    person = next(p for p in console.participants if p["full_name"] == name)
    token = links.issue(
        ServiceSettings().link_secret,
        console.application["application_id"],
        person["participant_id"],
        links.Scope.PARTICIPANT,
        now=datetime.now(UTC),
    )
    application = console.application["application_id"]
    page = f"/applications/{application}/participants/{person['participant_id']}?token={token}"
    return person["participant_id"], f"{console.system.web}{page}"


def _scanned(page: Page) -> str:
    """What a scanner reads from the QR code on the page: the picture, decoded."""
    picture = Image.open(io.BytesIO(page.locator(".qr-frame").screenshot()))
    [code] = zxingcpp.read_barcodes(picture)
    return str(code.text)


def test_the_desk_checks_in_by_the_pass_on_a_participants_page_and_undoes_a_check_in(
    console: Console, chromium: Browser
) -> None:
    web = console.system.web
    helene, own_page = _participant_link(console, "Hélène Gharbi")
    # Her page shows the pass once reimbursement knows the cluster is selected.
    browsing.until(
        "the pass on the participant's page",
        lambda: True if "qr-frame" in httpx.get(own_page, timeout=30).text else None,
    )
    tablet = chromium.new_context(
        viewport={"width": 820, "height": 1180}, locale="fr-FR", timezone_id="Africa/Tunis"
    )
    page = tablet.new_page()
    page.goto(own_page)
    expect(page.get_by_role("heading", name="Votre passe d’accueil")).to_be_visible()
    expect(
        page.get_by_role("img", name="Code QR du passe d’accueil de Hélène Gharbi")
    ).to_be_visible()
    scanned = _scanned(page)
    assert links.check_pass(ServiceSettings().link_secret, scanned).participant_id == helene
    photograph(chromium, None, own_page, "participant-pass")

    sign_in(page, web, CLERK, "/staff/desk")
    page.goto(f"{web}/staff/desk?session={console.edition}/s1")
    expect(page.get_by_role("heading", name="Atelier 1")).to_be_visible()
    expired = links.issue(
        ServiceSettings().link_secret,
        console.application["application_id"],
        helene,
        links.Scope.CHECK_IN,
        now=datetime.now(UTC) - timedelta(days=200),
    )
    for bad, said in (
        (expired, "Ce passe a expiré."),
        (scanned[:-6] + "AAAAAA", "Ce n’est pas un passe d’accueil de l’Académie"),
    ):
        page.get_by_label("Passe d’accueil").fill(bad)
        page.get_by_label("Passe d’accueil").press("Enter")
        expect(page.get_by_role("alert")).to_contain_text(said)
    browsing.accessible(page)
    page.screenshot(path=str(browsing.SHOTS / "staff-desk-pass-refused-fr-tablet.png"))

    page.get_by_label("Passe d’accueil").fill(scanned)  # a scanner types, then Enter
    page.get_by_label("Passe d’accueil").press("Enter")
    expect(page.get_by_role("status")).to_have_text("Hélène Gharbi est enregistré·e.")
    expect(page.get_by_role("row", name="Hélène Gharbi")).to_contain_text("Présent depuis")
    latest = page.get_by_role("region", name="Derniers enregistrements")
    expect(latest).to_contain_text("Hélène Gharbi")
    browsing.accessible(page)
    page.screenshot(
        path=str(browsing.SHOTS / "staff-desk-checked-in-fr-tablet.png"), full_page=True
    )

    latest.get_by_role("button", name="Annuler l’enregistrement de Hélène Gharbi").click()
    expect(page.get_by_role("status")).to_have_text("L’enregistrement de Hélène Gharbi est annulé.")
    expect(page.get_by_role("row", name="Hélène Gharbi")).to_contain_text("Enregistrer")
    listed = httpx.get(
        f"{console.system.urls['registration']}/v1/editions/{console.edition}"
        "/sessions/s1/check-ins",
        headers=_admin(),
        timeout=10,
    ).json()
    assert helene not in [c["participant_id"] for c in listed]
    tablet.close()


def test_a_role_without_the_desk_gets_a_clear_refusal_and_the_server_refuses_its_post(
    console: Console, page: Page, chromium: Browser
) -> None:
    web = console.system.web
    sign_in(page, web, REVIEWER)
    expect(page.get_by_role("heading", name="Bonjour Omar Comité")).to_be_visible()
    expect(page.get_by_role("link", name="Accueil des participants")).to_have_count(0)
    answer = page.goto(f"{web}/staff/desk?session={console.edition}/s1")
    assert answer is not None
    assert answer.status == 403
    expect(
        page.get_by_role("heading", name="Cette page n’est pas prévue pour votre rôle")
    ).to_be_visible()
    expect(page.get_by_text("Cheffe ou chef de projet, Accueil des participants")).to_be_visible()
    browsing.accessible(page)
    photograph(chromium, page.context.storage_state(), f"{web}/staff/desk", "not-allowed")

    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value")
    amel = next(p for p in console.participants if p["full_name"] == "Amel Ben Salah")
    posted = page.request.post(
        f"{web}/staff/desk/check-ins",
        form={
            "csrf_token": csrf or "",
            "session": f"{console.edition}/s1",
            "participant_id": amel["participant_id"],
        },
        max_redirects=0,
    )
    assert posted.status == 403

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté·e.")
    page.goto(f"{web}/staff")
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()


def test_a_person_signs_in_through_the_identity_provider_with_the_roles_of_its_claim(
    console: Console, page: Page
) -> None:
    web = console.system.web
    console.provider.person = {
        "sub": "u-17",
        "email": "sarra@anima.test",
        "name": "Sarra Boussaïdi",
        "roles": ["admin", "not-a-console-role"],
    }
    verified_before = len(console.provider.verified)  # other modules sign in through it too
    page.goto(f"{web}/staff/desk")
    page.get_by_role("link", name="Se connecter avec le compte de l’organisation").click()
    expect(page.get_by_role("heading", name="Accueil des participants")).to_be_visible()
    assert console.provider.verified[verified_before:] == ["u-17"]
    page.goto(f"{web}/staff")
    expect(page.get_by_text("Vos rôles : Cheffe ou chef de projet")).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    console.provider.person = {"sub": "u-18", "email": "guest@anima.test", "roles": []}
    page.get_by_role("link", name="Se connecter avec le compte de l’organisation").click()
    expect(page.get_by_role("alert")).to_contain_text("aucun des rôles de la console")
    assert console.provider.refused == []


def test_a_committee_member_reviews_an_application_with_the_rubric(
    console: Console, page: Page, chromium: Browser
) -> None:
    web = console.system.web
    _in_queue(console.system.urls["selection"], console.edition, REVIEWER)
    sign_in(page, web, REVIEWER)
    page.get_by_role("link", name="Mes évaluations").click()
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_text("0 sur 1 évaluées par vous")).to_be_visible()
    browsing.accessible(page)
    page.get_by_role("link", name="Pôle Santé Sfax").click()
    expect(page.get_by_role("heading", name="Pôle Santé Sfax")).to_be_visible()
    expect(page.get_by_text("Renforcer les échanges")).to_be_visible()
    browsing.accessible(page)
    page.get_by_role("group", name="Motivations").get_by_label("4").check()
    page.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page.get_by_role("alert")).to_contain_text("Donnez une note pour ce critère.")
    assert page.get_by_role("group", name="Motivations").get_by_label("4").is_checked()
    page.get_by_role("group", name="Attentes").get_by_label("5").check()
    page.get_by_label("Commentaire (facultatif)").fill("Un réseau solide, des attentes claires.")
    page.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page.get_by_role("status")).to_have_text("Votre évaluation est enregistrée.")
    expect(page.get_by_text("1 sur 1 évaluées par vous")).to_be_visible()
    expect(page.get_by_role("row", name="Pôle Santé Sfax")).to_contain_text("Faite")
    review_url = page.get_by_role("link", name="Pôle Santé Sfax").get_attribute("href")
    page.get_by_role("link", name="Pôle Santé Sfax").click()
    expect(page.get_by_text("Personne d’autre ne l’a encore évaluée.")).to_be_visible()
    assert page.get_by_role("group", name="Attentes").get_by_label("5").is_checked()

    state = page.context.storage_state()
    photograph(chromium, state, f"{web}/staff/reviews", "reviews-pick")
    photograph(chromium, state, f"{web}/staff/reviews?edition={console.edition}", "reviews")
    photograph(chromium, state, f"{web}{review_url}", "review")
