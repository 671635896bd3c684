"""The pages in Chromium, on the real services, as applicants use them: apply in French with a
mistake corrected on the page, follow the emailed link, amend; register a company in English;
ask for a lost link and follow the link it mails; a participant uploads a receipt and claims
from their own link, which opens no teammate's page; a participant asks for a visa letter and
downloads it; open a tampered or expired link.
axe-core checks every page; every page is photographed in both languages at desktop and phone
widths into ``.cache/screenshots/``."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from academy_contracts import links
from academy_contracts.events import ClusterSelected, OfferActor, OfferConfirmed
from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings

from .support import browsing, system

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]
"""Starting five services and Chromium on a shared two-core machine takes minutes under load."""


@pytest.fixture(scope="module")
def edition(web_system: system.System) -> str:
    """An open edition with two sessions, created through registration's API as staff do."""
    token = mint(ServiceSettings(), "web-test", [Role.ADMIN], timedelta(hours=1))
    edition_id = f"web-{uuid.uuid4().hex[:8]}"
    deadline = datetime.now(UTC) + timedelta(days=30)
    body = {"edition_id": edition_id, **browsing.edition_form("essai", deadline, english="trial")}
    response = httpx.post(
        f"{web_system.urls['registration']}/v1/editions",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return edition_id


def test_apply_in_french_correct_a_mistake_follow_the_mail_and_amend(
    web_system: system.System, edition: str, page: Page, chromium: Browser
) -> None:
    page.goto(f"{web_system.web}/editions/{edition}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Académie des clusters, essai")
    expect(page.get_by_text("Dans votre fuseau horaire", exact=False).first).to_be_visible()
    browsing.accessible(page)
    page.get_by_role("link", name="Inscription des clusters").click()

    manager = f"amel.{uuid.uuid4().hex[:6]}@example.org"
    browsing.fill_application(
        page, cluster="Pôle Santé Sfax", manager=manager, board="karim-at-example.org"
    )
    page.get_by_role("button", name="Envoyer la candidature").click()

    error = page.locator("#f-participants-1-email-error")
    expect(error).to_contain_text("Ce n’est pas une adresse électronique valide.")
    expect(page.get_by_label("Nom du cluster")).to_have_value("Pôle Santé Sfax")
    expect(page.get_by_label("Pourquoi votre cluster souhaite-t-il participer ?")).to_have_value(
        "Structurer notre chaîne de valeur."
    )
    browsing.accessible(page)
    page.screenshot(path=str(browsing.SHOTS / "apply-error-fr-desktop.png"), full_page=True)

    board = page.locator("fieldset.person").nth(1)
    board.get_by_label("Adresse électronique").fill(f"karim.{uuid.uuid4().hex[:6]}@example.org")
    page.get_by_role("button", name="Envoyer la candidature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci : votre candidature est reçue")
    browsing.accessible(page)
    browsing.photograph(chromium, page.url, "submitted")

    body = system.mail_to(web_system.maildir, manager, "Pôle Santé Sfax")
    link = system.link_in(body, web_system.web)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre candidature")
    expect(page.locator(".timeline")).to_contain_text("Envoyée")
    browsing.photograph(chromium, link, "application")

    page.get_by_role("link", name="Modifier la candidature").click()
    browsing.photograph(chromium, page.url, "amend")
    motivations = page.get_by_label("Pourquoi votre cluster souhaite-t-il participer ?")
    motivations.fill("Structurer notre chaîne de valeur et innover.")
    page.get_by_role("button", name="Enregistrer les modifications").click()
    expect(page.get_by_role("status")).to_have_text("Vos modifications sont enregistrées.")
    expect(page.locator(".timeline")).to_contain_text("Modifiée")
    expect(page.get_by_text("Structurer notre chaîne de valeur et innover.")).to_be_visible()

    application_id = urlsplit(link).path.split("/applications/")[1]
    token = parse_qs(urlsplit(link).query)["token"][0]  # the link also names its language
    application = httpx.get(
        f"{web_system.urls['registration']}/v1/applications/{application_id}",
        headers={"X-Application-Token": token},
        timeout=30,
    ).json()
    manager_id = application["participants"][0]["participant_id"]
    participant = f"{web_system.web}/applications/{application_id}/participants/{manager_id}"
    page.goto(f"{participant}?token={token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre participation")
    expect(page.get_by_text("Les demandes de remboursement s’ouvrent", exact=False)).to_be_visible()
    browsing.photograph(chromium, f"{participant}?token={token}", "participant-before-selection")


def test_a_double_submit_makes_one_application(
    web_system: system.System, edition: str, page: Page
) -> None:
    """The filled page posted twice (a double click, or the page sent again): both answers
    lead to the same application."""
    page.goto(f"{web_system.web}/editions/{edition}/apply")
    browsing.fill_application(
        page, cluster="Pôle Mécanique Sousse", manager=f"a.{uuid.uuid4().hex[:6]}@example.org"
    )
    data = {
        name: value
        for name, value in page.evaluate(
            "() => Array.from(new FormData(document.querySelector('form.stack')).entries())"
        )
    }
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    with httpx.Client(base_url=web_system.web, cookies=cookies, timeout=30) as client:
        first = client.post(f"/editions/{edition}/apply", data=data)
        second = client.post(f"/editions/{edition}/apply", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]


def test_register_a_company_in_english(web_system: system.System, edition: str, page: Page) -> None:
    page.goto(f"{web_system.web}/editions/{edition}?lang=en")
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
    browsing.accessible(page)


def test_lost_link_says_the_same_whatever_the_address(
    web_system: system.System, page: Page
) -> None:
    answers = []
    for address in ("nobody@example.org", "someone.else@example.org"):
        page.goto(f"{web_system.web}/lost-link?lang=en")
        page.get_by_label("Email").fill(address)
        page.get_by_role("button", name="Send me a new link").click()
        answers.append(page.locator("main").inner_text())
    assert answers[0] == answers[1]
    assert "If this address belongs to an application" in answers[0]


def test_a_tampered_link_gets_a_clear_page(web_system: system.System, page: Page) -> None:
    response = page.goto(f"{web_system.web}/applications/nothing-here?token=forged&lang=en")
    assert response is not None
    assert response.status == 401
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not open anything")
    browsing.accessible(page)


def test_a_form_posted_from_elsewhere_is_refused(web_system: system.System, edition: str) -> None:
    response = httpx.post(
        f"{web_system.web}/editions/{edition}/apply", data={"cluster.name": "x"}, timeout=30
    )
    assert response.status_code == 403
    assert "expired" in response.text or "expiré" in response.text


def test_every_page_photographed_and_accessible(
    web_system: system.System, edition: str, chromium: Browser
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
        shots = browsing.photograph(chromium, f"{web_system.web}{path}", name)
        assert all(shot.stat().st_size > 0 for shot in shots)


def _apply(web_system: system.System, form: dict[str, Any], board_email: str) -> dict[str, Any]:
    """An application through registration's API (the form itself is walked above); its
    second participant is ``board_email``, English-speaking."""
    form["cluster"]["name"] = f"Cluster {uuid.uuid4().hex[:4]}"
    for n, person in enumerate(form["participants"]):
        person["email"] = f"p{n}.{uuid.uuid4().hex[:6]}@example.org"
    form["participants"][1].update(email=board_email, language="en")
    receipt = httpx.post(
        f"{web_system.urls['registration']}/v1/applications", json=form, timeout=30
    )
    assert receipt.status_code == 201, receipt.text
    found: dict[str, Any] = receipt.json()
    return found


def _own_page(application_id: str, participant_id: str) -> str:
    """The path of a participant's own page with a fresh link, as their emails carry it."""
    token = links.issue(
        ServiceSettings().link_secret,
        application_id,
        participant_id,
        links.Scope.PARTICIPANT,
        now=datetime.now(UTC),
    )
    return f"/applications/{application_id}/participants/{participant_id}?token={token}"


def _select(sending: Any, kafka: str, receipt: dict[str, Any], *, confirmed: bool = False) -> None:
    """Put the cluster's selection on its topic, as selection does once the committee has
    published (that walk is the offer test's), and its confirmation when ``confirmed``:
    reimbursement then takes its participants' claims, documents their visa letters."""
    event = ClusterSelected.model_validate(
        {
            **receipt,
            "cluster": {k: v for k, v in receipt["cluster"].items() if k != "eccp_profile_url"},
            "selected_at": datetime.now(UTC),
        }
    )
    confirmation = OfferConfirmed(
        application_id=event.application_id,
        edition_id=event.edition_id,
        confirmed_at=datetime.now(UTC),
        confirmed_by=OfferActor.APPLICANT,
    )
    browsing.publish(sending, kafka, event, *([confirmation] if confirmed else []))


def test_a_lost_link_is_mailed_and_opens_only_the_persons_own_page(
    web_system: system.System, edition: str, page: Page, chromium: Browser, application_form: Any
) -> None:
    board = f"karim.{uuid.uuid4().hex[:6]}@example.org"
    receipt = _apply(web_system, application_form(edition), board)
    application_id = receipt["application_id"]
    karim, leila = (p["participant_id"] for p in receipt["participants"][1:])

    page.goto(f"{web_system.web}/lost-link?lang=en")
    page.get_by_label("Email").fill(board.upper())
    page.get_by_role("button", name="Send me a new link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    body = system.mail_to(web_system.maildir, board, "your personal link")
    link = system.link_in(body, web_system.web)
    assert f"/applications/{application_id}/participants/{karim}?token=" in link
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your participation")
    expect(page.locator(".lead").first).to_contain_text("Karim Trabelsi")
    expect(page.get_by_text("Expense claims open once your cluster is selected")).to_be_visible()
    browsing.accessible(page)

    token = parse_qs(urlsplit(link).query)["token"][0]
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
        response = page.goto(f"{web_system.web}{path}&lang=en")
        assert response is not None
        assert response.status == status, name
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
        browsing.photograph(chromium, f"{web_system.web}{path}", name)
    page.goto(f"{web_system.web}/applications/{application_id}?token={token}&lang=fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Ce lien n’ouvre que votre propre page"
    )

    # An admin erases Leïla: her own link, still signed and in date, then opens nothing, and the
    # page says why without offering a new link (none could reach her).
    erasure = httpx.post(
        f"{web_system.urls['registration']}/v1/applications/{application_id}/erasures",
        json={"participant_ids": [leila]},
        headers=browsing.staff(Role.ADMIN),
        timeout=30,
    )
    browsing.ok(erasure)
    erased_path = _own_page(application_id, leila)

    def gone() -> Any:
        answer = httpx.get(f"{web_system.web}{erased_path}&lang=en", timeout=30)
        return True if answer.status_code == 410 else None

    browsing.until("registration honours the erasure", gone)
    page.goto(f"{web_system.web}{erased_path}&lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your personal data was erased")
    expect(page.get_by_role("link", name="Ask for a new link")).to_have_count(0)
    browsing.accessible(page)
    browsing.photograph(chromium, f"{web_system.web}{erased_path}", "link-erased")


def test_a_participant_uploads_a_receipt_and_claims_from_their_own_link(
    web_system: system.System,
    edition: str,
    page: Page,
    chromium: Browser,
    servers: Any,
    tmp_path: Path,
    application_form: Any,
    sending: Any,
) -> None:
    board = f"karim.{uuid.uuid4().hex[:6]}@example.org"
    receipt = _apply(web_system, application_form(edition), board)
    application_id = receipt["application_id"]
    manager, karim = (p["participant_id"] for p in receipt["participants"][:2])
    link = system.link_in(system.mail_to(web_system.maildir, board, "received"), web_system.web)
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
    scan.write_bytes(browsing.blank_pdf())
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
    browsing.accessible(page)
    browsing.photograph(chromium, link, "participant-claimed")

    # The manager's own link opens the manager's page, never Karim's claim.
    manager_link = f"/applications/{application_id}/participants/{karim}?token="
    response = page.goto(f"{web_system.web}{manager_link}{receipt['access_token']}&lang=en")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not for this page")
    assert "Dinner in Marseille" not in page.content()
    own = f"/applications/{application_id}/participants/{manager}?token={receipt['access_token']}"
    page.goto(f"{web_system.web}{own}&lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your participation")
    expect(page.get_by_role("heading", name="Supporting documents")).to_be_visible()
    expect(page.get_by_text("No document uploaded yet.")).to_be_visible()


def test_a_participant_asks_for_a_visa_letter_and_downloads_it(
    web_system: system.System,
    edition: str,
    page: Page,
    chromium: Browser,
    servers: Any,
    application_form: Any,
    sending: Any,
) -> None:
    """Karim, of a confirmed cluster, types a wrong passport number (refused in the page's
    language, nothing made), then the right one, and downloads a letter naming him, his
    passport number and the sessions' dates."""
    receipt = _apply(web_system, application_form(edition), f"k.{uuid.uuid4().hex[:6]}@example.org")
    application_id = receipt["application_id"]
    karim = receipt["participants"][1]["participant_id"]
    link = f"{web_system.web}{_own_page(application_id, karim)}"
    _select(sending, servers.kafka_bootstrap, receipt, confirmed=True)

    def confirmed() -> bool | None:  # documents has read the confirmation
        report = httpx.get(
            f"{web_system.urls['documents']}/v1/editions/{edition}/report",
            headers=browsing.staff(Role.ADMIN),
            timeout=30,
        )
        return True if report.status_code == 200 and report.json()["confirmed"] else None

    browsing.until("documents knows the confirmed place", confirmed)
    passport = {
        "passport_number": "TN1234567",
        "date_of_birth": "1984-02-29",
        "passport_expires_on": (datetime.now(UTC) + timedelta(days=800)).date().isoformat(),
    }
    refused = {
        "fr": "Un numéro de passeport compte de 6 à 12 lettres et chiffres.",
        "en": "A passport number has 6 to 12 letters and digits.",
    }

    def mistyped(page: Page, language: str) -> None:
        page.goto(f"{link}&lang={language}")
        letter = page.locator("section[aria-labelledby=letter-title]")
        letter.locator("#f-passport_number").fill("12#4")
        letter.locator("#f-nationality").select_option("TN")
        letter.locator("#f-date_of_birth").fill(passport["date_of_birth"])
        letter.locator("#f-passport_expires_on").fill(passport["passport_expires_on"])
        letter.locator("button[type=submit]").click()
        expect(page.locator("#f-passport_number-error")).to_contain_text(refused[language])
        expect(page.get_by_role("link", name="PDF")).to_have_count(0)

    desktop = {"desktop": browsing.WIDTHS["desktop"]}
    browsing.photograph_each(chromium, "participant-letter-refused", mistyped, widths=desktop)

    page.goto(f"{link}&lang=fr")
    page.get_by_label("Numéro de passeport").fill(passport["passport_number"])
    page.get_by_label("Nationalité (le pays qui a délivré le passeport)").select_option("TN")
    page.get_by_label("Date de naissance").fill(passport["date_of_birth"])
    page.get_by_label("Passeport valable jusqu’au").fill(passport["passport_expires_on"])
    page.get_by_role("button", name="Demander la lettre").click()
    expect(page.get_by_role("status")).to_have_text(
        "Votre lettre d’invitation est prête : téléchargez-la ci-dessous."
    )
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger votre lettre d’invitation (PDF)").click()
    pdf = download.value.path().read_bytes()
    (browsing.SHOTS / "visa-letter-fr.pdf").write_bytes(pdf)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    sessions = browsing.ok(
        httpx.get(f"{web_system.urls['registration']}/v1/editions/{edition}", timeout=30)
    )["sessions"]
    paris = ZoneInfo("Europe/Paris")
    days = [
        format_date(datetime.fromisoformat(s["starts_at"]).astimezone(paris), "long", locale="fr")
        for s in sessions
    ]
    for expected in ("Karim Trabelsi", "TN1234567", "Lettre d’invitation", "Marseille", *days):
        assert expected in text
    browsing.photograph(chromium, link, "participant-letter", widths=desktop)
