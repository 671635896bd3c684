"""Registration's fixtures: the app on the real servers, an open edition, problem checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from academy_contracts.registry import Topic
from academy_registration.settings import RegistrationSettings


@pytest.fixture
async def api(service_settings: Any, run_app: Any, start_at_the_end: Any) -> AsyncIterator[Any]:
    """A client of a running registration service (``api.app`` is the app), reading only the
    selection events sent from now on."""
    settings = service_settings(RegistrationSettings)
    await start_at_the_end(settings, [Topic.SELECTION, Topic.APPLICATIONS])
    from academy_registration.entrypoints.main import create_app  # the fast tier never starts it

    app = create_app(settings)
    async with run_app(app) as client:
        client.app = app
        yield client


@pytest.fixture
def admin(staff_headers: Any) -> dict[str, str]:
    headers: dict[str, str] = staff_headers("admin")
    return headers


@pytest.fixture
async def edition(api: Any, uid: str, open_edition: Any) -> str:
    """The id of an edition open for applications, with sessions s1 and s2."""
    edition_id: str = await open_edition(api, f"ed-{uid}")
    return edition_id
