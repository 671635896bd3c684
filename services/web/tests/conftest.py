"""The system and the browser the page tests share, started once for the session: the
applicants' pages and the staff console alike (the front has two local console accounts and an
OpenID Connect provider), since each system costs four services and the front."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from .support import browsing, oidc_provider, system


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[oidc_provider.Provider]:
    """The organisation's OpenID Connect provider; a test sets the ``person`` it signs in."""
    with oidc_provider.serving(next(system.free_ports())) as provider:
        yield provider


@pytest.fixture(scope="session")
def web_system(
    servers: Any,
    tmp_path_factory: pytest.TempPathFactory,
    identity_provider: oidc_provider.Provider,
) -> Iterator[system.System]:
    state = tmp_path_factory.mktemp("web-system")
    accounts = state / "staff-accounts.json"
    browsing.staff_add(accounts, browsing.CLERK, "Nadia Accueil", "checkin")
    browsing.staff_add(accounts, browsing.REVIEWER, "Omar Comité", "committee")
    browsing.staff_add(accounts, browsing.TREASURER, "Yasmine Finances", "finance")
    web_env = {
        "ACADEMY_STAFF_ACCOUNTS_FILE": str(accounts),
        "ACADEMY_OIDC_ISSUER": identity_provider.issuer,
        "ACADEMY_OIDC_CLIENT_ID": oidc_provider.CLIENT_ID,
        "ACADEMY_OIDC_CLIENT_SECRET": oidc_provider.CLIENT_SECRET,
    }
    with system.running(
        servers.kafka_bootstrap,
        servers.mongodb_uri,
        uuid.uuid4().hex[:8],
        state,
        web_env=web_env,
    ) as found:
        yield found


@pytest.fixture(scope="module")
def chromium(web_system: system.System) -> Iterator[Browser]:
    """Chromium for one module. Playwright's sync API keeps an event loop running in the main
    thread while it is open: left open for the session, it made every asyncio test after the
    page modules fail ("Runner.run() cannot be called from a running event loop"). It starts
    after the system, whose start runs asyncio itself."""
    with sync_playwright() as playwright:
        found = browsing.launch(playwright)
        yield found
        found.close()


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    """A fresh French-speaking visitor in Tunis: no cookie or sign-in left by another test."""
    context = chromium.new_context(locale="fr-FR", timezone_id="Africa/Tunis")
    found = context.new_page()
    yield found
    context.close()
