"""The pages in Chromium, on the real services, as applicants use them: apply in French with a
mistake corrected on the page, follow the emailed link, amend; register a company in English;
ask for a lost link and follow the link it mails; a participant uploads a receipt and claims
from their own link, which opens no teammate's page; open a tampered or expired link.
axe-core checks every page; every page is photographed in both languages at desktop and phone
widths into ``.cache/screenshots/``."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pypdf import PdfWriter

from academy_contracts import links
from academy_contracts.events import ClusterSelected
from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings
from academy_local import paths

from .support import system

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
"""Starting five services and Chromium on a shared two-core machine takes minutes under load."""

SHOTS = paths.cache_dir() / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def running(servers: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[system.System]:
    uid = uuid.uuid4().hex[:8]
    state = tmp_path_factory.mktemp("web-system")
    with system.running(servers.kafka_bootstrap, servers.mongodb_uri, uid, state) as found:
        yield found


@pytest.fixture(scope="module")
def edition(running: system.System) -> str:
    """An open edition with two sessions, created through registration's API as staff do."""
    token = mint(ServiceSettings(), "web-test", [Role.ADMIN], timedelta(hours=1))
    edition_id = f"web-{uuid.uuid4().hex[:8]}"
    start = datetime.now(UTC) + timedelta(days=60)
    body = {
        "edition_id": edition_id,
        "title": {"fr": "Académie des clusters, essai", "en": "Cluster Academy, trial"},
        "registration_deadline": (datetime.now(UTC) + timedelta(days=30)).isoformat(),
        "time_zone": "Europe/Paris",
        "capacity": 21,
        "sessions": [
            {
                "session_id": f"s{n}",
                "title": {"fr": f"Atelier {n}", "en": f"Workshop {n}"},
                "starts_at": (start + timedelta(days=n)).isoformat(),
                "ends_at": (start + timedelta(days=n, hours=7)).isoformat(),
                "place": "Marseille",
            }
            for n in (1, 2)
        ],
    }
    response = httpx.post(
        f"{running.urls['registration']}/v1/editions",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return edition_id


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        found = playwright.chromium.launch(
            executable_path=system.CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield found
        found.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="fr-FR", timezone_id="Africa/Tunis")
    found = context.new_page()
    yield found
    context.close()


def accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    page.evaluate(system.axe_source())
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in bad], indent=1
    )


def photograph(browser: Browser, url: str, name: str) -> list[Path]:
    """The page in both languages at both widths, each checked by axe-core."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    taken = []
    for language in ("fr", "en"):
        for width, (w, h) in WIDTHS.items():
            context = browser.new_context(viewport={"width": w, "height": h}, locale=language)
            page = context.new_page()
            separator = "&" if "?" in url else "?"
            page.goto(f"{url}{separator}lang={language}")
            assert page.locator("html").get_attribute("lang") == language
            accessible(page)
            path = SHOTS / f"{name}-{language}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            taken.append(path)
            context.close()
    return taken


def fill_application(
    page: Page, *, manager_email: str, board_email: str, cluster: str = "Pôle Santé Sfax"
) -> None:
    page.get_by_label("Nom du cluster").fill(cluster)
    page.get_by_label("Pays").select_option("TN")
    page.get_by_label("Secteur").select_option("health")
    page.get_by_label("Identifiant du profil ECCP").fill(f"eccp-{uuid.uuid4().hex[:8]}")
    people = page.locator("fieldset.person")
    for i, (name, address) in enumerate(
        [
            ("Amel Ben Salah", manager_email),
            ("Karim Trabelsi", board_email),
            ("Leïla Mansour", f"leila.{uuid.uuid4().hex[:6]}@example.org"),
        ]
    ):
        person = people.nth(i)
        person.get_by_label("Nom complet").fill(name)
        person.get_by_label("Adresse électronique").fill(address)
        person.get_by_label("Langue préférée").select_option("fr")
    page.get_by_label("Pourquoi votre cluster souhaite-t-il participer ?").fill(
        "Structurer notre chaîne de valeur."
    )
    page.get_by_label("Qu’attendez-vous de l’Académie ?").fill("Des partenaires en Europe.")
    page.get_by_label("Le cluster peut avancer les frais", exact=False).check()
    page.get_by_label("En cas de sélection, les trois participants", exact=False).check()


def test_apply_in_french_correct_a_mistake_follow_the_mail_and_amend(
    running: system.System, edition: str, page: Page, browser: Browser
) -> None:
    page.goto(f"{running.web}/editions/{edition}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Académie des clusters, essai")
    expect(page.get_by_text("Dans votre fuseau horaire", exact=False).first).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Inscription des clusters").click()

    manager = f"amel.{uuid.uuid4().hex[:6]}@example.org"
    fill_application(page, manager_email=manager, board_email="karim-at-example.org")
    page.get_by_role("button", name="Envoyer la candidature").click()

    error = page.locator("#f-participants-1-email-error")
    expect(error).to_contain_text("Ce n’est pas une adresse électronique valide.")
    expect(page.get_by_label("Nom du cluster")).to_have_value("Pôle Santé Sfax")
    expect(page.get_by_label("Pourquoi votre cluster souhaite-t-il participer ?")).to_have_value(
        "Structurer notre chaîne de valeur."
    )
    accessible(page)
    page.screenshot(path=str(SHOTS / "apply-error-fr-desktop.png"), full_page=True)

    board = page.locator("fieldset.person").nth(1)
    board.get_by_label("Adresse électronique").fill(f"karim.{uuid.uuid4().hex[:6]}@example.org")
    page.get_by_role("button", name="Envoyer la candidature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci : votre candidature est reçue")
    accessible(page)
    photograph(browser, page.url, "submitted")

    body = system.mail_to(running.maildir, manager, "Pôle Santé Sfax")
    link = system.link_in(body, running.web)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre candidature")
    expect(page.locator(".timeline")).to_contain_text("Envoyée")
    photograph(browser, link, "application")

    page.get_by_role("link", name="Modifier la candidature").click()
    photograph(browser, page.url, "amend")
    motivations = page.get_by_label("Pourquoi votre cluster souhaite-t-il participer ?")
    motivations.fill("Structurer notre chaîne de valeur et innover.")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_role("status")).to_have_text("Vos modifications sont enregistrées.")
    expect(page.locator(".timeline")).to_contain_text("Modifiée")
    expect(page.get_by_text("Structurer notre chaîne de valeur et innover.")).to_be_visible()

    application_id, token = link.split("/applications/")[1].split("?token=")
    application = httpx.get(
        f"{running.urls['registration']}/v1/applications/{application_id}",
        headers={"X-Application-Token": token},
        timeout=30,
    ).json()
    manager_id = application["participants"][0]["participant_id"]
    participant = f"{running.web}/applications/{application_id}/participants/{manager_id}"
    page.goto(f"{participant}?token={token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre participation")
    expect(page.get_by_text("Les demandes de remboursement s’ouvrent", exact=False)).to_be_visible()
    photograph(browser, f"{participant}?token={token}", "participant-before-selection")


def test_a_double_submit_makes_one_application(
    running: system.System, edition: str, page: Page
) -> None:
    """The filled page posted twice (a double click, or the page sent again): both answers
    lead to the same application."""
    page.goto(f"{running.web}/editions/{edition}/apply")
    fill_application(
        page,
        manager_email=f"a.{uuid.uuid4().hex[:6]}@example.org",
        board_email=f"b.{uuid.uuid4().hex[:6]}@example.org",
        cluster="Pôle Mécanique Sousse",
    )
    data = {
        name: value
        for name, value in page.evaluate(
            "() => Array.from(new FormData(document.querySelector('form.stack')).entries())"
        )
    }
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=running.web, cookies=cookies, timeout=30) as client:
        first = client.post(f"/editions/{edition}/apply", data=data)
        second = client.post(f"/editions/{edition}/apply", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


def test_register_a_company_in_english(running: system.System, edition: str, page: Page) -> None:
    page.goto(f"{running.web}/editions/{edition}?lang=en")
    page.get_by_role("link", name="Company registration").click()
    page.get_by_label("Company name").fill("Sfax Medical Devices")
    page.get_by_label("Country").select_option("TN")
    page.get_by_label("Sector").select_option("health")
    page.get_by_label("Full name").fill("Sami Gharbi")
    page.get_by_label("Email").fill("not-an-address")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_role("button", name="Register the company").click()
    expect(page.locator("#f-contact-email-error")).to_contain_text(
        "This is not a valid email address."
    )
    expect(page.get_by_label("Company name")).to_have_value("Sfax Medical Devices")
    page.get_by_label("Email").fill(f"sami.{uuid.uuid4().hex[:6]}@example.org")
    page.get_by_role("button", name="Register the company").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Thank you: your company is registered"
    )
    accessible(page)


def test_lost_link_says_the_same_whatever_the_address(running: system.System, page: Page) -> None:
    answers = []
    for address in ("nobody@example.org", "someone.else@example.org"):
        page.goto(f"{running.web}/lost-link?lang=en")
        page.get_by_label("Email").fill(address)
        page.get_by_role("button", name="Send me a new link").click()
        answers.append(page.locator("main").inner_text())
    assert answers[0] == answers[1]
    assert "If this address belongs to an application" in answers[0]


def test_a_tampered_link_gets_a_clear_page(running: system.System, page: Page) -> None:
    response = page.goto(f"{running.web}/applications/nothing-here?token=forged&lang=en")
    assert response is not None
    assert response.status == 401
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not open anything")
    accessible(page)


def test_a_form_posted_from_elsewhere_is_refused(running: system.System, edition: str) -> None:
    response = httpx.post(
        f"{running.web}/editions/{edition}/apply", data={"cluster.name": "x"}, timeout=30
    )
    assert response.status_code == 403
    assert "expired" in response.text or "expiré" in response.text


def test_every_page_photographed_and_accessible(
    running: system.System, edition: str, browser: Browser
) -> None:
    pages = {
        "home": "/",
        "call-open": f"/editions/{edition}",
        "call-closed": "/editions/2023",
        "apply": f"/editions/{edition}/apply",
        "company": f"/companies/register?edition={edition}",
        "company-done": "/companies/registered",
        "lost-link": "/lost-link",
        "link-refused": "/applications/nothing-here?token=forged",
        "not-found": "/nowhere",
    }
    for name, path in pages.items():
        shots = photograph(browser, f"{running.web}{path}", name)
        assert all(shot.stat().st_size > 0 for shot in shots)


def _apply(running: system.System, form: dict[str, Any], board_email: str) -> dict[str, Any]:
    """An application through registration's API (the form itself is walked above); its
    second participant is ``board_email``, English-speaking."""
    form["cluster"]["name"] = f"Cluster {uuid.uuid4().hex[:4]}"
    for n, person in enumerate(form["participants"]):
        person["email"] = f"p{n}.{uuid.uuid4().hex[:6]}@example.org"
    form["participants"][1].update(email=board_email, language="en")
    receipt = httpx.post(f"{running.urls['registration']}/v1/applications", json=form, timeout=30)
    assert receipt.status_code == 201, receipt.text
    found: dict[str, Any] = receipt.json()
    return found


def _select(sending: Any, kafka: str, receipt: dict[str, Any]) -> None:
    """Put the cluster's selection on its topic, as selection does once the committee has
    published (that walk is the offer test's): reimbursement then takes its participants'
    claims."""
    event = ClusterSelected.model_validate(
        {
            **receipt,
            "cluster": {k: v for k, v in receipt["cluster"].items() if k != "eccp_profile_url"},
            "selected_at": datetime.now(UTC),
        }
    )

    async def publish() -> None:
        async with sending(kafka) as put:
            await put(event)

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        pool.submit(asyncio.run, publish()).result()


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_lost_link_is_mailed_and_opens_only_the_persons_own_page(
    running: system.System, edition: str, page: Page, browser: Browser, application_form: Any
) -> None:
    board = f"karim.{uuid.uuid4().hex[:6]}@example.org"
    receipt = _apply(running, application_form(edition), board)
    application_id = receipt["application_id"]
    karim, leila = (p["participant_id"] for p in receipt["participants"][1:])

    page.goto(f"{running.web}/lost-link?lang=en")
    page.get_by_label("Email").fill(board.upper())
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    body = system.mail_to(running.maildir, board, "your personal link")
    link = system.link_in(body, running.web)
    assert f"/applications/{application_id}/participants/{karim}?token=" in link
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your participation")
    expect(page.locator(".lead").first).to_contain_text("Karim Trabelsi")
    expect(page.get_by_text("Expense claims open once your cluster is selected")).to_be_visible()
    accessible(page)

    token = link.split("?token=")[1]
    refused = {
        "link-manager-only": (
            f"/applications/{application_id}?token={token}",
            403,
            "This link opens your own page only",
        ),
        "link-other-person": (
            f"/applications/{application_id}/participants/{leila}?token={token}",
            403,
            "This link is not for this page",
        ),
        "link-expired": (
            f"/applications/{application_id}/participants/{karim}?token="
            + links.issue(
                ServiceSettings().link_secret,
                application_id,
                karim,
                links.Scope.PARTICIPANT,
                now=datetime.now(UTC) - timedelta(days=365),
            ),
            401,
            "This link has expired",
        ),
    }
    for name, (path, status, heading) in refused.items():
        response = page.goto(f"{running.web}{path}&lang=en")
        assert response is not None
        assert response.status == status, name
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
        photograph(browser, f"{running.web}{path}", name)
    page.goto(f"{running.web}/applications/{application_id}?token={token}&lang=fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ce lien n’ouvre que votre propre page"
    )


def test_a_participant_uploads_a_receipt_and_claims_from_their_own_link(
    running: system.System,
    edition: str,
    page: Page,
    browser: Browser,
    servers: Any,
    tmp_path: Path,
    application_form: Any,
    sending: Any,
) -> None:
    board = f"karim.{uuid.uuid4().hex[:6]}@example.org"
    receipt = _apply(running, application_form(edition), board)
    application_id = receipt["application_id"]
    manager, karim = (p["participant_id"] for p in receipt["participants"][:2])
    link = system.link_in(system.mail_to(running.maildir, board, "received"), running.web)
    assert f"/participants/{karim}?token=" in link
    _select(sending, servers.kafka_bootstrap, receipt)

    page.goto(f"{link}&lang=en")
    for _ in range(240):  # until reimbursement has learnt of the selection
        if page.get_by_role("heading", name="Supporting documents").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_role("heading", name="Supporting documents")).to_be_visible()

    scan = tmp_path / "hotel-receipt.pdf"
    scan.write_bytes(_pdf())
    page.get_by_label("What the document proves").select_option("receipt")
    page.get_by_label("File (PDF, JPEG or PNG, at most 5 MB)").set_input_files(scan)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text("The document is uploaded.")
    expect(page.locator("ul.documents")).to_contain_text("hotel-receipt.pdf")

    line = page.locator("fieldset.line").first
    line.get_by_label("Category").select_option("meals")
    line.get_by_label("Date").fill((datetime.now(UTC) - timedelta(days=3)).date().isoformat())
    line.get_by_label("Description").fill("Dinner in Marseille")
    line.get_by_label("Amount").fill("42,50")
    line.get_by_label("Currency").select_option("EUR")
    line.get_by_label("hotel-receipt.pdf", exact=False).check()
    page.get_by_label("Account holder").fill("Karim Trabelsi")
    page.get_by_label("Account number").fill("0801 2345 6789")
    page.get_by_label("BIC (SWIFT code)").fill("BIATTNTT")
    page.get_by_label("Bank name").fill("Banque Internationale Arabe de Tunisie")
    page.get_by_label("Bank's country").select_option("TN")
    page.get_by_role("button", name="Send the claim").click()
    expect(page.get_by_role("status")).to_have_text("Your expense claim is sent.")
    expect(page.get_by_role("table")).to_contain_text("Dinner in Marseille")
    accessible(page)
    photograph(browser, link, "participant-claimed")

    # The manager's own link opens the manager's page, never Karim's claim.
    manager_link = f"/applications/{application_id}/participants/{karim}?token="
    response = page.goto(f"{running.web}{manager_link}{receipt['access_token']}&lang=en")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not for this page")
    assert "Dinner in Marseille" not in page.content()
    own = f"/applications/{application_id}/participants/{manager}?token={receipt['access_token']}"
    page.goto(f"{running.web}{own}&lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your participation")
    expect(page.get_by_role("heading", name="Supporting documents")).to_be_visible()
    expect(page.get_by_text("No document uploaded yet.")).to_be_visible()
