"""Finance in Chromium, on the real services: an officer signs in with a local account, sees
the claims to decide with their amounts (in the claimed currency and in euros, as the page's
language writes them), receipts, the 90% reimbursed and the attendance; approves a complete
claim; sees the block on a claim whose participant missed the session, which the service also
refuses when its approval is posted anyway; makes a payment batch and records it as paid after
a confirmation, and a second click neither pays again nor under another reference. Each page
is checked by axe-core and photographed at 1280 px in French and English."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from academy_contracts import links
from academy_contracts.events import ClusterSelected, SessionAttended
from academy_contracts.roles import Role
from academy_kit.settings import ServiceSettings

from .support import browsing, system

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

DESKTOP = {"desktop": (1280, 900)}
TITLE = "Académie des clusters, bilan financier"
REFERENCE = "VIR-2026-0042"


def _edition_over(registration: str) -> str:
    """An edition whose one session ended two hours ago (approval waits for the end of every
    session), still open to applications."""
    edition_id = f"fin-{uuid.uuid4().hex[:8]}"
    now = datetime.now(UTC)
    body = {
        "edition_id": edition_id,
        "title": {"fr": TITLE, "en": "Cluster Academy, financial review"},
        "registration_deadline": (now + timedelta(days=7)).isoformat(),
        "time_zone": "Europe/Paris",
        "capacity": 21,
        "sessions": [
            {
                "session_id": "s1",
                "title": {"fr": "Atelier de clôture", "en": "Closing workshop"},
                "starts_at": (now - timedelta(hours=8)).isoformat(),
                "ends_at": (now - timedelta(hours=2)).isoformat(),
                "place": "Marseille",
            }
        ],
    }
    headers = browsing.staff(Role.ADMIN)
    browsing.ok(httpx.post(f"{registration}/v1/editions", json=body, headers=headers, timeout=30))
    return edition_id


def _applied(registration: str, edition_id: str) -> dict[str, Any]:
    people = (
        ("cluster_manager", "Amel Ben Salah"),
        ("board_member", "Karim Trabelsi"),
        ("board_member", "Hélène Gharbi"),
    )
    body = {
        "edition_id": edition_id,
        "cluster": {
            "name": f"Pôle Santé {uuid.uuid4().hex[:4]}",
            "country": "TN",
            "sector": "health",
            "eccp_id": f"eccp-{uuid.uuid4().hex[:8]}",
        },
        "participants": [
            {
                "role": role,
                "full_name": name,
                "email": f"p{n}.{uuid.uuid4().hex[:6]}@example.org",
                "language": "fr",
            }
            for n, (role, name) in enumerate(people)
        ],
        "motivations": "Renforcer les échanges avec les clusters de santé.",
        "expectations": "Des partenaires en Europe.",
        "can_advance_costs": True,
        "commits_to_attend": True,
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    url = f"{registration}/v1/applications"
    found: dict[str, Any] = browsing.ok(httpx.post(url, json=body, headers=headers, timeout=30))
    return found


def _claim(reimbursement: str, application_id: str, person: dict[str, Any], lines: Any) -> str:
    """The participant's claim, sent with their own link once reimbursement knows them."""
    token = links.issue(
        ServiceSettings().link_secret,
        application_id,
        person["participant_id"],
        links.Scope.PARTICIPANT,
        now=datetime.now(UTC),
    )
    headers = {links.TOKEN_HEADER: token}
    person_id = person["participant_id"]
    base = f"{reimbursement}/v1/applications/{application_id}/participants/{person_id}"

    def upload() -> Any:
        answer = httpx.post(
            f"{base}/documents",
            data={"kind": "receipt"},
            files={"file": ("recu-diner.pdf", browsing.blank_pdf(), "application/pdf")},
            headers=headers,
            timeout=30,
        )
        return answer.json()["document_id"] if answer.status_code in (200, 201) else None

    receipt = browsing.until("reimbursement to learn of the selection", upload)
    form = {
        "lines": [{**line, "documents": [receipt]} for line in lines],
        "bank": {
            "beneficiary_name": person["full_name"],
            "account_number": "0801 2345 6789",
            "bic": "BIATTNTT",
            "bank_name": "Banque Internationale Arabe de Tunisie",
            "bank_country": "TN",
        },
    }
    claim = browsing.ok(httpx.post(f"{base}/claim", json=form, headers=headers, timeout=30))
    assert claim["state"] == "complete", claim
    return str(claim["claim_id"])


def _line(category: str, amount: str, currency: str, description: str) -> dict[str, Any]:
    day = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    return {
        "category": category,
        "expense_date": day,
        "description": description,
        "amount": {"amount": amount, "currency": currency},
    }


def test_finance_approves_a_complete_claim_sees_the_block_on_a_missed_session_and_pays(
    web_system: system.System, page: Page, chromium: Browser, servers: Any, sending: Any
) -> None:
    urls, web = web_system.urls, web_system.web
    finance = browsing.staff(Role.FINANCE)
    edition_id = _edition_over(urls["registration"])
    receipt = _applied(urls["registration"], edition_id)
    application_id = receipt["application_id"]
    _, karim, helene = receipt["participants"]
    now = datetime.now(UTC)
    # Selection's decision and the desk's check-in, as those services publish them (the
    # session is over, so the desk can no longer record it through registration).
    browsing.publish(
        sending,
        servers.kafka_bootstrap,
        *[
            ClusterSelected.model_validate(
                {**receipt, "cluster": receipt["cluster"], "selected_at": now}
            ),
            SessionAttended(
                application_id=application_id,
                edition_id=edition_id,
                session_id="s1",
                participant_id=karim["participant_id"],
                attended_at=now - timedelta(hours=7),
            ),
        ],
    )
    rates = {"rates": [{"currency": "TND", "valid_from": "2020-01-01", "units_per_eur": "3.35"}]}
    browsing.ok(httpx.post(f"{urls['reimbursement']}/v1/rate-tables", json=rates, headers=finance))
    # 42.50 EUR + 150.000 TND / 3.35 = 42.50 + 44.78 = 87.28 EUR; 90% rounded down: 78.55.
    karims = _claim(
        urls["reimbursement"],
        application_id,
        karim,
        [
            _line("meals", "42.50", "EUR", "Dîner à Marseille"),
            _line("local_transport", "150.000", "TND", "Taxi Sfax, aéroport"),
        ],
    )
    helenes = _claim(
        urls["reimbursement"],
        application_id,
        helene,
        [_line("meals", "38.00", "EUR", "Déjeuner à Marseille")],
    )
    attendance = f"{urls['reimbursement']}/v1/editions/{edition_id}/participants"

    def attended() -> Any:
        answer = httpx.get(f"{attendance}/{karim['participant_id']}/attendance", headers=finance)
        return True if answer.status_code == 200 and not answer.json()["missed"] else None

    browsing.until("reimbursement to learn of Karim's check-in", attended)

    # Signed in as finance, the queue: both claims, amounts in French, Hélène's block.
    page.goto(f"{web}/staff")
    page.get_by_label("Adresse e-mail").fill(browsing.TREASURER)
    page.get_by_label("Mot de passe").fill(browsing.PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Demandes de remboursement").click()
    # The queue lists every edition's claims; other page tests' editions have a Karim too.
    karim_row = page.get_by_role("row", name="Karim Trabelsi").filter(has_text=TITLE)
    expect(karim_row).to_contain_text("42,50\u00a0€")
    expect(karim_row).to_contain_text("150,000\u00a0TND")
    expect(karim_row).to_contain_text("78,55\u00a0€")
    expect(karim_row).to_contain_text("Présence à chaque session")
    expect(page.get_by_role("row", name="Hélène Gharbi").filter(has_text=TITLE)).to_contain_text(
        "1 session manquée"
    )
    browsing.accessible(page)
    queue_url = page.url
    state = page.context.storage_state()
    browsing.photograph(chromium, queue_url, "staff-finance-claims", state=state, widths=DESKTOP)

    # Hélène missed the session: the page says so and offers no approval; posted anyway,
    # the service refuses and the page says why.
    helene_row = page.get_by_role("row", name="Hélène Gharbi").filter(has_text=TITLE)
    helene_row.get_by_role("link", name="Hélène Gharbi").click()
    block = page.get_by_role("region", name="Approbation bloquée : une session a été manquée")
    expect(block).to_contain_text("Atelier de clôture")
    expect(page.get_by_role("button", name="Approuver la demande")).to_have_count(0)
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    forced = page.request.post(
        f"{web}/staff/finance/claims/{helenes}/approval", form={"csrf_token": csrf}
    )
    assert forced.status == 422
    assert "la personne a manqué une session sans excuse" in forced.text()
    helene_url = f"{web}/staff/finance/claims/{helenes}"
    browsing.photograph(
        chromium, helene_url, "staff-finance-claim-blocked", state=state, widths=DESKTOP
    )

    # Karim's claim is complete: lines in both currencies, the rate, the 90%; approved.
    page.goto(f"{web}/staff/finance/claims/{karims}")
    taxi = page.locator("table.lines").get_by_role("row", name="Transport local")
    expect(taxi).to_contain_text("150,000\u00a0TND")
    expect(taxi).to_contain_text("44,78\u00a0€")
    expect(page.get_by_role("link", name="recu-diner.pdf").first).to_be_visible()
    expect(page.get_by_role("row", name="Remboursé (90\u00a0% du total éligible)")).to_contain_text(
        "78,55\u00a0€"
    )
    page.get_by_role("button", name="Approuver la demande").click()
    expect(page.get_by_role("status")).to_have_text(
        "La demande est approuvée : 78,55\u00a0€ seront payés dans le prochain lot."
    )
    browsing.accessible(page)
    karim_url = f"{web}/staff/finance/claims/{karims}"
    browsing.photograph(chromium, karim_url, "staff-finance-claim", state=state, widths=DESKTOP)
    href = page.get_by_role("link", name="recu-diner.pdf").first.get_attribute("href")
    document = page.request.get(f"{web}{href}")
    assert (document.status, document.headers["content-type"]) == (200, "application/pdf")
    assert document.body().startswith(b"%PDF-")

    # A batch of the approved claims, paid after a confirmation, once.
    page.goto(f"{web}/staff/payments")
    expect(page.get_by_role("row", name="Karim Trabelsi")).to_contain_text("78,55\u00a0€")
    browsing.photograph(
        chromium, f"{web}/staff/payments", "staff-payments", state=state, widths=DESKTOP
    )
    page.get_by_role("button", name="Créer un lot de paiement").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Lot ")
    expect(page.get_by_role("row", name="Karim Trabelsi")).to_contain_text("78,55\u00a0€")
    batch_url = page.url
    page.get_by_label("Référence du virement (donnée par la banque)").fill(REFERENCE)
    page.get_by_role("button", name="Marquer comme payé…").click()
    expect(page.get_by_text(f"sous la référence {REFERENCE}")).to_contain_text(
        "1 virement comme effectué, pour 78,55\u00a0€ au total"
    )
    browsing.photograph(chromium, page.url, "staff-payment-confirm", state=state, widths=DESKTOP)
    browsing.photograph(chromium, batch_url, "staff-payment-batch", state=state, widths=DESKTOP)
    csrf = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    page.get_by_role("button", name="Oui, enregistrer comme payé").click()
    expect(page.get_by_role("status")).to_have_text(
        "Le lot est enregistré comme payé ; chaque personne en est informée."
    )
    expect(page.get_by_text(f"référence de virement {REFERENCE}")).to_be_visible()
    page.reload()
    expect(page.get_by_role("row", name="Karim Trabelsi")).to_contain_text("Payé")

    # The same confirmation again (a second click) answers the same payment; another
    # reference is refused, naming the first.
    payment = f"{batch_url}/payment"
    again = page.request.post(payment, form={"csrf_token": csrf, "reference": REFERENCE})
    assert again.ok
    assert f"référence de virement {REFERENCE}" in again.text()
    other = page.request.post(payment, form={"csrf_token": csrf, "reference": "VIR-AUTRE"})
    assert other.status == 409
    assert f"sous la référence de virement {REFERENCE}" in other.text()
    claim = browsing.ok(httpx.get(f"{urls['reimbursement']}/v1/claims/{karims}", headers=finance))
    assert (claim["state"], claim["payment_reference"]) == ("paid", REFERENCE)
    browsing.accessible(page)
    browsing.photograph(
        chromium, batch_url, "staff-payment-batch-paid", state=state, widths=DESKTOP
    )
