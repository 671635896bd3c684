"""The system and the browser the page tests share: started once for the session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from .support import browsing, system


@pytest.fixture(scope="session")
def web_system(servers: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[system.System]:
    state = tmp_path_factory.mktemp("web-system")
    with system.running(
        servers.kafka_bootstrap, servers.mongodb_uri, uuid.uuid4().hex[:8], state
    ) as found:
        yield found


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        found = browsing.launch(playwright)
        yield found
        found.close()
