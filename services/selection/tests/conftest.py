"""Selection's own fixtures: an edition's events (``support/events.py``), and the running
service with a short offer lapse sweep for the real-server tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from academy_contracts.events import IntegrationEvent
from academy_contracts.registry import Topic
from academy_selection.settings import SelectionSettings
from services.selection.tests.support.events import Events


@pytest.fixture
def events(uid: str) -> Events:
    """Events of an edition whose registration closed an hour ago."""
    return Events(f"ed-{uid}", datetime.now(UTC) - timedelta(hours=1))


@pytest.fixture
async def selection(
    servers: Any, service_settings: Any, run_app: Any, start_at_the_end: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The running selection service (consumers, relay, lapse sweep), reading only the events
    sent from now on; ``client.app`` is the app."""
    settings = service_settings(SelectionSettings, offer_sweep_seconds=0.2)
    await start_at_the_end(settings, [Topic.EDITIONS, Topic.APPLICATIONS])
    from academy_selection.entrypoints.main import create_app  # the fast tier never starts it

    app: FastAPI = create_app(settings)
    async with run_app(app) as client:
        client.app = app
        yield client


Intake = Callable[..., Awaitable[None]]


@pytest.fixture
def intake(selection: httpx.AsyncClient, send: Any, eventually: Any) -> Intake:
    """Publish the edition, then the applications, and wait until each one is screened."""
    app: Any = selection.app  # type: ignore[attr-defined]

    async def admit(events: Events, *applications: IntegrationEvent, capacity: int = 2) -> None:
        await send(events.edition(capacity=capacity))
        await eventually(lambda: app.state.screener.editions.find(events.edition_id))
        await send(*applications)
        for application in applications:
            await eventually(lambda a=application: _screened(app, a.key))

    return admit


async def _screened(app: Any, application_id: str) -> bool:
    application = await app.state.screener.applications.get(application_id)
    return application is not None and application.screening is not None
