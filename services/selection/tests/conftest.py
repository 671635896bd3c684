"""Selection's own fixtures: registration's events built as registration sends them, a way to
put them on the real topics, and the running service with a short offer lapse sweep."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from academy_contracts.events import (
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterProfile,
    EditionPublished,
    IntegrationEvent,
    LocalizedText,
)
from academy_contracts.registry import Topic
from academy_contracts.values import Country, Language, Participant, ParticipantRole, Sector
from academy_selection.entrypoints.main import create_app
from academy_selection.settings import SelectionSettings


@dataclass(frozen=True)
class Events:
    """Registration's events for one edition of a test; every cluster gets its own ids."""

    edition_id: str
    deadline: datetime

    def edition(self, *, capacity: int = 2, revision: int = 1) -> EditionPublished:
        return EditionPublished(
            edition_id=self.edition_id,
            revision=revision,
            title=LocalizedText(fr="Académie (test)", en="Academy (test)"),
            registration_deadline=self.deadline,
            time_zone="Europe/Paris",
            capacity=capacity,
            languages=[Language.FR, Language.EN],
            published_at=self.deadline - timedelta(days=60),
        )

    def submitted(
        self,
        *,
        country: Country = Country.TUNISIA,
        sector: Sector = Sector.HEALTH,
        late: bool = False,
        **content: Any,
    ) -> ApplicationSubmitted:
        application_id = f"app-{uuid.uuid4().hex[:12]}"
        fields: dict[str, Any] = {
            "application_id": application_id,
            "edition_id": self.edition_id,
            "cluster": ClusterProfile(
                name=f"Cluster {application_id[-4:]}",
                country=country,
                sector=sector,
                eccp_id=f"eccp-{application_id}",
            ),
            "participants": [
                Participant(
                    participant_id=f"{application_id}-{n}",
                    role=role,
                    full_name=f"Person {n}",
                    email=f"p{n}@{application_id}.example.org",
                    language=Language.FR,
                )
                for n, role in enumerate(
                    (
                        ParticipantRole.CLUSTER_MANAGER,
                        ParticipantRole.BOARD_MEMBER,
                        ParticipantRole.BOARD_MEMBER,
                    )
                )
            ],
            "motivations": "Grow the value chain with Euro-Mediterranean partners.",
            "expectations": "Governance and innovation methods.",
            "can_advance_costs": True,
            "commits_to_attend": True,
            "submitted_at": self.deadline + (timedelta(minutes=1) if late else -timedelta(days=1)),
        }
        return ApplicationSubmitted.model_validate({**fields, **content})

    def updated(
        self, submitted: ApplicationSubmitted, revision: int, **content: Any
    ) -> ApplicationUpdated:
        fields = submitted.model_dump(exclude={"submitted_at"})
        return ApplicationUpdated.model_validate(
            {
                **fields,
                "revision": revision,
                "updated_at": submitted.submitted_at + timedelta(hours=revision),
                **content,
            }
        )

    def withdrawn(self, application_id: str, revision: int) -> ApplicationWithdrawn:
        return ApplicationWithdrawn(
            application_id=application_id,
            edition_id=self.edition_id,
            revision=revision,
            withdrawn_at=self.deadline - timedelta(hours=1),
        )


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
        await eventually(lambda: app.state.commands.editions.get(events.edition_id))
        await send(*applications)
        for application in applications:
            await eventually(lambda a=application: _screened(app, a.key))

    return admit


async def _screened(app: Any, application_id: str) -> bool:
    application = await app.state.commands.applications.get(application_id)
    return application is not None and application.screening is not None
