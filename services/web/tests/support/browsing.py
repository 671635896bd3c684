"""Chromium as the page tests drive it: launched from Debian's binary, every page checked by
axe-core and photographed in both languages at desktop and phone widths, the application form
filled as a French-speaking manager would, the staff calls a test makes through the APIs, and
the console's local accounts as a programme manager makes them."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Page
from pypdf import PdfWriter

from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings
from academy_local import paths

from . import system

SHOTS = paths.cache_dir() / "screenshots"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
LANGUAGES = ("fr", "en")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
]
STAFF = "web-test@academy"
"""The subject of the staff tokens the tests mint: the committee member who reviews."""
PASSWORD = "correct horse battery staple"
CLERK = "desk@academy.test"
"""The console's local accounts (``staff_add``): a check-in clerk and a committee member."""
REVIEWER = "committee@academy.test"
TREASURER = "finance@academy.test"
"""A third local account: a finance officer (claims and payment batches)."""


def launch(playwright: Any) -> Browser:
    browser: Browser = playwright.chromium.launch(
        executable_path=system.CHROMIUM, args=CHROMIUM_ARGS, headless=True
    )
    return browser


def staff(*roles: Role) -> dict[str, str]:
    """A bearer token signed with the development secret the test services run with."""
    token = mint(ServiceSettings(), STAFF, list(roles), timedelta(hours=1))
    return {"Authorization": f"Bearer {token}"}


def edition_form(
    title: str,
    deadline: datetime,
    *,
    english: str | None = None,
    starts: Sequence[datetime] = (),
    hours: int = 7,
) -> dict[str, Any]:
    """An edition "Académie des clusters, <title>" ("Cluster Academy, <english or title>") with a
    session of ``hours`` in Marseille at each of ``starts``: by default two, two months ahead."""
    if not starts:
        start = datetime.now(UTC) + timedelta(days=60)
        starts = (start + timedelta(days=1), start + timedelta(days=2))
    return {
        "title": {
            "fr": f"Académie des clusters, {title}",
            "en": f"Cluster Academy, {english or title}",
        },
        "registration_deadline": deadline.isoformat(),
        "time_zone": "Europe/Paris",
        "capacity": 21,
        "sessions": [
            {
                "session_id": f"s{n}",
                "title": {"fr": f"Atelier {n}", "en": f"Workshop {n}"},
                "starts_at": begins.isoformat(),
                "ends_at": (begins + timedelta(hours=hours)).isoformat(),
                "place": "Marseille",
            }
            for n, begins in enumerate(starts, start=1)
        ],
    }


def blank_pdf() -> bytes:
    """A one-page blank A4 PDF: a receipt as a participant uploads it."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def publish(sending: Any, kafka: str, *events: Any) -> None:
    """Put ``events`` on their topics as the services that own them would (``sending`` is the
    suite's fixture), from a thread of its own: Playwright's sync API holds this thread's loop."""

    async def put_all() -> None:
        async with sending(kafka) as put:
            await put(*events)

    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, put_all()).result()


def accessible(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    page.evaluate(system.axe_source())
    result = page.evaluate("async () => await axe.run(document)")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, json.dumps(
        [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in bad], indent=1
    )


def photograph_each(
    browser: Browser,
    name: str,
    visit: Callable[[Page, str], None],
    *,
    state: Any = None,
    widths: dict[str, tuple[int, int]] = WIDTHS,
) -> list[Path]:
    """``visit(page, language)`` brings a fresh browser to the page; it is then checked by
    axe-core and photographed, in both languages at each of ``widths``. The visitor is in
    Tunis, so pages that show a deadline show it in their time zone too; ``state`` (Playwright's
    storage state) carries a staff sign-in."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    taken = []
    for language in LANGUAGES:
        for width, (w, h) in widths.items():
            context = browser.new_context(
                viewport={"width": w, "height": h},
                locale=language,
                timezone_id="Africa/Tunis",
                storage_state=state,
            )
            try:
                page = context.new_page()
                visit(page, language)
                assert page.locator("html").get_attribute("lang") == language
                accessible(page)
                path = SHOTS / f"{name}-{language}-{width}.png"
                page.screenshot(path=str(path), full_page=True)
                taken.append(path)
            finally:
                context.close()
    return taken


def photograph(
    browser: Browser,
    url: str,
    name: str,
    *,
    state: Any = None,
    widths: dict[str, tuple[int, int]] = WIDTHS,
) -> list[Path]:
    """The page at ``url`` in both languages at each width, each checked by axe-core."""

    def visit(page: Page, language: str) -> None:
        separator = "&" if "?" in url else "?"
        page.goto(f"{url}{separator}lang={language}")

    return photograph_each(browser, name, visit, state=state, widths=widths)


def fill_application(
    page: Page, *, cluster: str, manager: str, country: str = "TN", board: str | None = None
) -> None:
    """The French form filled by a cluster manager; the first board member is ``board`` (a
    mistyped address, say), the others get fresh addresses."""
    page.get_by_label("Nom du cluster").fill(cluster)
    page.get_by_label("Pays").select_option(country)
    page.get_by_label("Secteur").select_option("health")
    page.get_by_label("Identifiant du profil ECCP").fill(f"eccp-{uuid.uuid4().hex[:8]}")
    people = page.locator("fieldset.person")
    for i, (name, address) in enumerate(
        [
            ("Amel Ben Salah", manager),
            ("Karim Trabelsi", board or f"karim.{uuid.uuid4().hex[:6]}@example.org"),
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


def staff_add(accounts: Path, email: str, name: str, role: str) -> None:
    """A console account made with the command a programme manager runs, as they run it."""
    env = {**os.environ, "ACADEMY_STAFF_ACCOUNTS_FILE": str(accounts)}
    env["ACADEMY_STAFF_PASSWORD"] = PASSWORD
    code = "from academy_web.staff.cli import main; main()"
    args = ["add", "--email", email, "--name", name, "--role", role]
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert email in done.stdout


def until(what: str, attempt: Callable[[], Any], timeout: float = 300.0) -> Any:
    """``attempt()``'s first answer that is not None: the services learn from events, so what
    one did shows in another a moment later."""
    deadline = time.monotonic() + timeout
    while True:
        found = attempt()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, response.text
    return response.json()
