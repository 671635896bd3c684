"""The funder's report in the staff console, in Chromium, on the real services: the programme
manager signs in through the organisation's provider, finds the report from the console's home
and reads the figures of a story with known counts (two applications, one cluster selected and
confirmed, its three participants present at two, one and no session). axe-core checks it; it
is photographed in French and English at 1280 pixels into ``.cache/screenshots/``."""

from __future__ import annotations

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from academy_contracts.events import (
    ClusterProfile,
    ClusterSelected,
    OfferActor,
    OfferConfirmed,
    SessionAttended,
)
from academy_contracts.roles import Role
from academy_contracts.values import Participant

from .support import browsing, oidc_provider, system

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

TITLE = {"fr": "Académie des clusters, bilan", "en": "Cluster Academy, review"}
"""The edition's title, as ``browsing.edition_form("bilan", english="review")`` writes it."""
ATTENDED = {0: ("s1", "s2"), 1: ("s1",)}
"""Who of the selected cluster's participants was present where (the third at no session)."""


def _edition(registration: str) -> str:
    edition_id = f"report-{uuid.uuid4().hex[:8]}"
    start = datetime.now(UTC) + timedelta(days=20)
    form = browsing.edition_form(
        "bilan",
        start - timedelta(days=10),
        english="review",
        starts=[start + timedelta(days=n) for n in (1, 2)],
        hours=6,
    )
    body = {"edition_id": edition_id, **form}
    headers = browsing.staff(Role.ADMIN)
    browsing.ok(httpx.post(f"{registration}/v1/editions", json=body, headers=headers, timeout=30))
    return edition_id


def _apply(registration: str, edition_id: str, country: str, sexes: tuple[str, ...]) -> Any:
    tag = uuid.uuid4().hex[:6]
    body = {
        "edition_id": edition_id,
        "cluster": {
            "name": f"Cluster {country} {tag}",
            "country": country,
            "sector": "health",
            "eccp_id": f"eccp-{tag}",
        },
        "participants": [
            {
                "role": role,
                "full_name": f"Personne {n} {tag}",
                "email": f"p{n}.{tag}@example.org",
                "language": "fr",
                "sex": sex,
            }
            for n, (role, sex) in enumerate(
                zip(("cluster_manager", "board_member", "board_member"), sexes, strict=True)
            )
        ],
        "motivations": "Structurer notre chaîne de valeur.",
        "expectations": "Des partenaires en Europe.",
        "can_advance_costs": True,
        "commits_to_attend": True,
    }
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    return browsing.ok(
        httpx.post(f"{registration}/v1/applications", json=body, headers=headers, timeout=30)
    )


def _take_part(sending: Any, kafka: str, receipt: dict[str, Any]) -> None:
    """Selection's decision and the cluster's confirmation, and the desk's check-ins, as those
    services publish them (their own walks are their tests')."""
    now = datetime.now(UTC)
    app, edition = receipt["application_id"], receipt["edition_id"]
    people = [Participant.model_validate(p) for p in receipt["participants"]]
    events = [
        ClusterSelected(
            application_id=app,
            edition_id=edition,
            cluster=ClusterProfile.model_validate(receipt["cluster"]),
            participants=people,
            selected_at=now,
        ),
        OfferConfirmed(
            application_id=app,
            edition_id=edition,
            confirmed_at=now,
            confirmed_by=OfferActor.APPLICANT,
        ),
        *(
            SessionAttended(
                application_id=app,
                edition_id=edition,
                session_id=session,
                participant_id=people[n].participant_id,
                attended_at=now,
            )
            for n, sessions in ATTENDED.items()
            for session in sessions
        ),
    ]

    async def publish() -> None:
        async with sending(kafka) as put:
            await put(*events)

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's loop
        pool.submit(asyncio.run, publish()).result()


def test_the_programme_manager_reads_the_funder_s_report(
    web_system: system.System,
    identity_provider: oidc_provider.Provider,
    page: Page,
    chromium: Browser,
    servers: Any,
    sending: Any,
) -> None:
    registration, documents = web_system.urls["registration"], web_system.urls["documents"]
    edition = _edition(registration)
    taking_part = _apply(registration, edition, "TN", ("female", "male", "prefer_not_to_say"))
    _apply(registration, edition, "MA", ("female", "female", "male"))
    _take_part(sending, servers.kafka_bootstrap, taking_part)

    def told() -> Any:  # documents has read the whole story
        answer = httpx.get(
            f"{documents}/v1/editions/{edition}/report",
            headers=browsing.staff(Role.ADMIN),
            timeout=30,
        )
        if answer.status_code != 200:
            return None
        report = answer.json()
        present = [s["present"] for s in report["attendance"]]
        return report if (report["applications"], present) == (2, [2, 1]) else None

    report = browsing.until("documents has the story's figures", told)
    assert (report["selected"], report["confirmed"], report["participants"]) == (1, 1, 3)
    assert report["completed"] == 1

    identity_provider.person = {
        "sub": "pm-17",
        "email": "sarra@anima.test",
        "name": "Sarra Boussaïdi",
        "roles": ["admin"],
    }
    web = web_system.web
    page.goto(f"{web}/staff")
    page.get_by_role("link", name="Se connecter avec le compte de l’organisation").click()
    page.get_by_role("link", name="Rapport au financeur").click()
    page.get_by_role("link", name=TITLE["fr"], exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapport au financeur")
    funnel = page.get_by_role(
        "table", name="Clusters candidats, éligibles, sélectionnés et confirmés"
    )
    expect(funnel.get_by_role("row", name="Candidatures 2", exact=True)).to_be_visible()
    expect(funnel.get_by_role("row", name="Confirmés 1", exact=True)).to_be_visible()
    expect(page.get_by_text("3 participants", exact=True)).to_be_visible()
    expect(page.get_by_text("1 présent à toutes les sessions", exact=False)).to_be_visible()
    sessions = page.get_by_role("table", name="Participants présents à chaque session")
    expect(sessions.get_by_role("row", name="Atelier 1", exact=False)).to_contain_text("2")
    people = page.get_by_role("table", name="Participants des clusters confirmés", exact=False)
    expect(people).to_contain_text("Tunisie")
    expect(people).to_contain_text("Préfère ne pas le dire")
    expect(people).not_to_contain_text("Maroc")  # its cluster applied, but takes no part
    browsing.accessible(page)

    desktop = {"desktop": browsing.WIDTHS["desktop"]}
    url = f"{web}/staff/report?edition={edition}"
    state = page.context.storage_state()
    browsing.photograph(chromium, url, "staff-report", state=state, widths=desktop)
