"""Answering an offer in Chromium, on the real services: two clusters apply through the form,
staff review them and publish the selection through the API, and each manager opens the
application page from the "selected" email at the mail sink. One confirms the place, the other
declines it with a reason; the timeline shows each new status.

Also photographed here, in both languages at both widths: the pages that exist only after a
post (a form with errors, the lost-link answer, an expired form) and the offer's pages."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from academy_contracts.roles import Role

from .support import browsing, system

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
"""Two applications, a selection published and twelve photographs: minutes on a loaded machine."""

ADMIN = browsing.staff(Role.ADMIN)
COMMITTEE = browsing.staff(Role.COMMITTEE)
MAIL_WAIT = 900.0
"""The notification service of the test system reads the shared broker's topics: on a machine
where other suites run, it mails their applicants too before it reaches ours."""
REASON = "Notre président ne pourra pas se libérer cette année."


def _apply(page: Page, web: str, edition_id: str, cluster: str, country: str) -> tuple[str, str]:
    """Apply through the call page; the manager's address and the new application's id."""
    manager = f"manager.{uuid.uuid4().hex[:6]}@example.org"
    page.goto(f"{web}/editions/{edition_id}?lang=fr")
    page.get_by_role("link", name="Inscription des clusters").click()
    browsing.fill_application(page, cluster=cluster, manager=manager, country=country)
    page.get_by_role("button", name="Envoyer la candidature").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Merci : votre candidature est reçue")
    return manager, page.url.split("/applications/")[1].split("/")[0]


def _publish(urls: dict[str, str], edition_id: str, applications: set[str]) -> list[Any]:
    """What staff do between the deadline and the offers: a one-review policy, a review of each
    application, registration closed, the selection published. Answers its decisions."""
    selection = httpx.Client(base_url=urls["selection"], timeout=30)
    registration = httpx.Client(base_url=urls["registration"], timeout=30)
    policy_path = f"/v1/editions/{edition_id}/review-policy"

    def policy() -> Any:
        answer = selection.get(policy_path, headers=ADMIN)
        return answer.json() if answer.status_code == 200 else None

    rubric = browsing.until("selection knows the edition", policy)
    rubric |= {
        "min_reviews": 1,
        "conflict_of_interest": False,
        "committee": [{"subject": browsing.STAFF}],
    }
    browsing.ok(selection.put(policy_path, json=rubric, headers=ADMIN))

    def screened() -> Any:
        answer = selection.get(f"/v1/editions/{edition_id}/review-queue", headers=COMMITTEE)
        items = answer.json() if answer.status_code == 200 else []
        return items if {i["application_id"] for i in items} >= applications else None

    scores = {c["name"]: c.get("scale_max", 5) for c in rubric["criteria"]}
    for application_id in applications:
        assert browsing.until("both applications screened eligible", screened)
        path = f"/v1/applications/{application_id}/reviews/mine"
        browsing.ok(selection.put(path, json={"scores": scores}, headers=COMMITTEE))

    closed = browsing.edition_form("offres", datetime.now(UTC) - timedelta(seconds=1))
    browsing.ok(registration.put(f"/v1/editions/{edition_id}", json=closed, headers=ADMIN))

    def publish() -> Any:
        answer = selection.post(
            f"/v1/editions/{edition_id}/selection",
            json={"accept_relaxations": True},
            headers=ADMIN,
        )
        return answer.json() if answer.status_code in (200, 201) else None

    published = browsing.until("the selection published", publish)
    return list(published["decisions"])


def test_managers_confirm_and_decline_their_offers_from_the_selected_email(
    web_system: system.System, chromium: Browser
) -> None:
    edition_id = f"offers-{uuid.uuid4().hex[:8]}"
    form = browsing.edition_form("offres", datetime.now(UTC) + timedelta(hours=1))
    browsing.ok(
        httpx.post(
            f"{web_system.urls['registration']}/v1/editions",
            json={"edition_id": edition_id, **form},
            headers=ADMIN,
            timeout=30,
        )
    )
    context = chromium.new_context(locale="fr-FR", timezone_id="Africa/Tunis")
    page = context.new_page()
    confirming, confirming_id = _apply(page, web_system.web, edition_id, "Pôle Santé Sfax", "TN")
    declining, declining_id = _apply(page, web_system.web, edition_id, "Cluster Santé Fès", "MA")

    decisions = _publish(web_system.urls, edition_id, {confirming_id, declining_id})
    assert {d["application_id"]: d["status"] for d in decisions} == {
        confirming_id: "offered",
        declining_id: "offered",
    }

    link = system.link_in(
        system.mail_to(web_system.maildir, confirming, "est sélectionné", MAIL_WAIT), web_system.web
    )
    page.goto(link)
    offer = page.get_by_role("region", name="Confirmez votre place")
    expect(offer).to_contain_text("Dans votre fuseau horaire")
    browsing.accessible(page)
    browsing.photograph(chromium, link, "application-offer")
    offer.get_by_role("button", name="Confirmer notre place").click()
    expect(page.get_by_role("status")).to_have_text(
        "La place de votre cluster est confirmée. À bientôt à l’Académie !"
    )
    expect(page.locator(".timeline")).to_contain_text(
        "Sélectionné : votre cluster a confirmé sa place"
    )
    expect(page.get_by_role("region", name="Confirmez votre place")).to_have_count(0)
    browsing.photograph(chromium, link, "application-confirmed")

    link = system.link_in(
        system.mail_to(web_system.maildir, declining, "est sélectionné", MAIL_WAIT), web_system.web
    )
    page.goto(link)
    refusal = page.get_by_role("region", name="Refuser la place")
    refusal.get_by_label("Pourquoi votre cluster refuse-t-il la place ? (facultatif)").fill(REASON)
    refusal.get_by_role("button", name="Refuser la place").click()
    expect(page.get_by_role("status")).to_have_text(
        "Vous avez refusé la place. Merci de nous l’avoir dit."
    )
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("Place refusée")
    expect(timeline).to_contain_text(REASON)
    expect(page.get_by_role("region", name="Refuser la place")).to_have_count(0)
    browsing.accessible(page)
    browsing.photograph(chromium, link, "application-declined")
    context.close()

    published = httpx.get(
        f"{web_system.urls['selection']}/v1/editions/{edition_id}/selection",
        headers=ADMIN,
        timeout=30,
    ).json()
    by_id = {d["application_id"]: d for d in published["decisions"]}
    assert by_id[confirming_id]["status"] == "confirmed"
    assert by_id[declining_id]["status"] == "declined"
    assert by_id[declining_id]["declined_because"] == REASON


def test_pages_reached_by_a_post_are_photographed_and_accessible(
    web_system: system.System, chromium: Browser
) -> None:
    """A form sent empty comes back with its errors; the lost-link answer; a form whose cookie
    is gone (as after the browser's data was cleared) ends on the expired-form page."""
    edition_id = f"posts-{uuid.uuid4().hex[:8]}"
    form = browsing.edition_form("essai", datetime.now(UTC) + timedelta(days=30))
    browsing.ok(
        httpx.post(
            f"{web_system.urls['registration']}/v1/editions",
            json={"edition_id": edition_id, **form},
            headers=ADMIN,
            timeout=30,
        )
    )

    def sent_empty(path: str) -> Any:
        def visit(page: Page, language: str) -> None:
            page.goto(f"{web_system.web}{path}?lang={language}")
            page.locator("main form button[type=submit]").click()
            expect(page.locator("#error-summary")).to_be_visible()

        return visit

    browsing.photograph_each(chromium, "apply-errors", sent_empty(f"/editions/{edition_id}/apply"))
    browsing.photograph_each(chromium, "company-errors", sent_empty("/companies/register"))

    def lost_link_sent(page: Page, language: str) -> None:
        page.goto(f"{web_system.web}/lost-link?lang={language}")
        page.locator("main input[type=email]").fill("nobody@example.org")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main [role=status]")).to_be_visible()

    browsing.photograph_each(chromium, "lost-link-sent", lost_link_sent)

    def expired(page: Page, language: str) -> None:
        page.goto(f"{web_system.web}/lost-link?lang={language}")
        page.context.clear_cookies()
        page.locator("main input[type=email]").fill("nobody@example.org")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("h1")).to_have_text(
            "Ce formulaire a expiré" if language == "fr" else "This form has expired"
        )

    browsing.photograph_each(chromium, "form-expired", expired)
    browsing.photograph(chromium, f"{web_system.web}/applications/x/withdrawal", "request-failed")
