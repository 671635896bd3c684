"""The selection in Chromium, on the real services: a committee member reviews the edition's two
applications in the console; after the deadline the programme manager, signed in through the
organisation's OpenID Connect provider, opens the proposed selection, sees that the balance
rules cannot all hold and the relaxation proposed, accepts it, confirms, and publishes; the
selected cluster's offer then exists (registration has learned of its ClusterSelected).

Each selection page is checked by axe-core and photographed in French and English at desktop
width into ``.cache/screenshots/``."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings

from .support import browsing, oidc_provider, system

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
"""The first page test of a run starts the whole system; on a loaded machine that and the
eight photographs take many minutes."""

ADMIN = browsing.staff(Role.ADMIN)
DESKTOP = {"desktop": browsing.WIDTHS["desktop"]}
OPEN_FOR = timedelta(seconds=20)
"""The edition takes applications this long: time enough to post the test's two. The reviews may
come after it, as in a real call; once it is over, the selection can be published without
waiting for an edition change to reach selection."""
MANAGER = {"sub": "u-pm", "email": "pm@anima.test", "name": "Pia Manager", "roles": ["admin"]}


def _apply(registration: str, edition_id: str, name: str, country: str, sector: str) -> str:
    tag = uuid.uuid4().hex[:6]
    body = {
        "edition_id": edition_id,
        "cluster": {"name": name, "country": country, "sector": sector, "eccp_id": f"e-{tag}"},
        "participants": [
            {"role": role, "full_name": person, "email": f"{part}.{tag}@example.org"}
            | {"language": "fr"}
            for role, person, part in (
                ("cluster_manager", "Amel Ben Salah", "amel"),
                ("board_member", "Karim Trabelsi", "karim"),
                ("board_member", "Leïla Mansour", "leila"),
            )
        ],
        "motivations": "Structurer notre chaîne de valeur.",
        "expectations": "Des partenaires en Europe.",
        "can_advance_costs": True,
        "commits_to_attend": True,
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    answer = httpx.post(f"{registration}/v1/applications", json=body, headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["application_id"])


def _prepared(urls: dict[str, str], title: str) -> tuple[str, datetime, dict[str, str]]:
    """An edition of one place with two applications in (Tunisia and Morocco), a committee of
    one reviewer, and a rule no applicant can meet (a cluster from Algeria): the solver must
    propose a relaxation. Answers the edition, its deadline and the applications by name."""
    edition_id = f"sel-{uuid.uuid4().hex[:8]}"
    deadline = datetime.now(UTC) + OPEN_FOR
    form = {"edition_id": edition_id, **browsing.edition_form(title, deadline), "capacity": 1}
    browsing.ok(httpx.post(f"{urls['registration']}/v1/editions", json=form, headers=ADMIN))
    applications = {
        "Pôle Santé Sfax": _apply(
            urls["registration"], edition_id, "Pôle Santé Sfax", "TN", "health"
        ),
        "Cluster Énergie Fès": _apply(
            urls["registration"], edition_id, "Cluster Énergie Fès", "MA", "energy_environment"
        ),
    }
    selection = httpx.Client(base_url=urls["selection"], headers=ADMIN, timeout=30)
    policy: dict[str, Any] = {"min_reviews": 1, "conflict_of_interest": False}
    policy["committee"] = [{"subject": browsing.REVIEWER}]

    def committee_named() -> Any:
        answer = selection.put(f"/v1/editions/{edition_id}/review-policy", json=policy)
        return True if answer.status_code == 200 else None

    browsing.until("selection knows the edition", committee_named)
    rules = {"countries": {"DZ": {"minimum": 1}}}
    browsing.ok(selection.put(f"/v1/editions/{edition_id}/balance-rules", json=rules))
    token = mint(ServiceSettings(), browsing.REVIEWER, [Role.COMMITTEE], timedelta(hours=1))
    reviewer = {"Authorization": f"Bearer {token}"}

    def screened() -> Any:
        answer = selection.get(f"/v1/editions/{edition_id}/review-queue", headers=reviewer)
        found = {i["application_id"] for i in answer.json()} if answer.status_code == 200 else set()
        return True if found >= set(applications.values()) else None

    browsing.until("both applications screened", screened)
    return edition_id, deadline, applications


def _review(page: Page, web: str, edition_id: str, cluster: str, marks: tuple[str, str]) -> None:
    page.goto(f"{web}/staff/reviews?edition={edition_id}")
    page.get_by_role("link", name=cluster).click()
    page.get_by_role("group", name="Motivations").get_by_label(marks[0], exact=True).check()
    page.get_by_role("group", name="Attentes").get_by_label(marks[1], exact=True).check()
    page.get_by_role("button", name="Enregistrer mon évaluation").click()
    expect(page.get_by_role("status")).to_have_text("Votre évaluation est enregistrée.")


def test_a_member_reviews_two_applications_then_the_manager_accepts_a_relaxation_and_publishes(
    web_system: system.System, identity_provider: oidc_provider.Provider, chromium: Browser
) -> None:
    web, urls = web_system.web, web_system.urls
    title = f"sélection {uuid.uuid4().hex[:4]}"
    edition_id, deadline, applications = _prepared(urls, title)

    member = chromium.new_context(locale="fr-FR", timezone_id="Africa/Tunis").new_page()
    member.goto(f"{web}/staff/reviews")
    member.get_by_label("Adresse e-mail").fill(browsing.REVIEWER)
    member.get_by_label("Mot de passe").fill(browsing.PASSWORD)
    member.get_by_role("button", name="Se connecter").click()
    member.get_by_role("link", name=f"Académie des clusters, {title}").click()
    expect(member.get_by_text("0 sur 2 évaluées par vous")).to_be_visible()
    _review(member, web, edition_id, "Pôle Santé Sfax", ("5", "4"))
    _review(member, web, edition_id, "Cluster Énergie Fès", ("3", "3"))
    expect(member.get_by_text("2 sur 2 évaluées par vous")).to_be_visible()
    expect(member.get_by_role("row", name="Pôle Santé Sfax")).to_contain_text("Faite : 87,5")
    member.context.close()

    time.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds() + 1))
    identity_provider.person = MANAGER
    context = chromium.new_context(locale="fr-FR", timezone_id="Africa/Tunis")
    page = context.new_page()
    page.goto(f"{web}/staff/selection")
    page.get_by_role("link", name="Se connecter avec le compte de l’organisation").click()
    expect(page.get_by_role("heading", name="Sélection", exact=True)).to_be_visible()
    page.get_by_role("link", name=f"Académie des clusters, {title}").click()
    expect(page.get_by_role("heading", name="Sélection proposée")).to_be_visible()
    conflict = page.get_by_role("region", name="Les règles d’équilibre ne peuvent pas toutes")
    expect(conflict).to_contain_text("Algérie : au moins 1 cluster")
    expect(conflict.locator(".relaxations")).to_contain_text("Algérie : au moins 0 cluster")
    sfax = page.get_by_role("row", name="Pôle Santé Sfax")
    expect(sfax).to_contain_text("Sélectionné")
    expect(sfax).to_contain_text("Note 87,5")
    fes = page.get_by_role("row", name="Cluster Énergie Fès")
    expect(fes).to_contain_text("Liste d’attente, n° 1")
    expect(fes).to_contain_text("au plus 1 place au total")
    browsing.accessible(page)
    state = context.storage_state()
    preview_url = page.url
    pick_url = f"{web}/staff/selection"
    browsing.photograph(chromium, pick_url, "staff-selection-pick", state=state, widths=DESKTOP)
    browsing.photograph(chromium, preview_url, "staff-selection", state=state, widths=DESKTOP)

    page.get_by_role("button", name="Continuer vers la publication").click()
    expect(page).to_have_url(preview_url)  # not without accepting the relaxation
    page.get_by_label("J’accepte cet assouplissement pour la publication").check()
    page.get_by_role("button", name="Continuer vers la publication").click()
    expect(page.get_by_role("heading", name="Publier la sélection")).to_be_visible()
    expect(page.get_by_text("1 cluster se voit offrir une place")).to_be_visible()
    browsing.accessible(page)
    confirm_url = page.url
    browsing.photograph(
        chromium, confirm_url, "staff-selection-publish", state=state, widths=DESKTOP
    )
    page.get_by_role("button", name="Publier la sélection").click()
    expect(page.get_by_role("status")).to_contain_text("La sélection est publiée.")
    expect(page.get_by_role("row", name="Pôle Santé Sfax")).to_contain_text("Offre ouverte")
    browsing.accessible(page)
    browsing.photograph(
        chromium, page.url, "staff-selection-published", state=state, widths=DESKTOP
    )

    page.goto(confirm_url)  # published once: the confirmation step is no more
    expect(page.get_by_role("heading", name="Sélection publiée")).to_be_visible()
    expect(page.get_by_role("button", name="Publier la sélection")).to_have_count(0)

    selected = applications["Pôle Santé Sfax"]

    def offered() -> Any:
        path = f"/v1/editions/{edition_id}/participants"
        expected = httpx.get(f"{urls['registration']}{path}", headers=ADMIN, timeout=10)
        found = [c["application_id"] for c in expected.json()] if expected.is_success else []
        return found or None

    assert browsing.until("registration learns of the offer", offered) == [selected]
    offer = httpx.get(f"{urls['selection']}/v1/applications/{selected}/offer", headers=ADMIN)
    assert browsing.ok(offer)["status"] == "offered"
    context.close()
