"""Reimbursement's fixtures: the running service on the real servers, and selection's,
registration's and attendance's events as those services send them, put on the real topics."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from academy_contracts import links
from academy_contracts.events import (
    ClusterProfile,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    EditionSession,
    LocalizedText,
    RejectionReason,
    SessionAttended,
)
from academy_contracts.values import Country, Language, Participant, ParticipantRole, Sector
from academy_reimbursement.adapters.cohort import CohortStore
from academy_reimbursement.entrypoints.main import CONSUMED, create_app
from academy_reimbursement.settings import ReimbursementSettings

MAX_DOCUMENT_BYTES = 64 * 1024
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@dataclass
class Cohort:
    """One edition of a test, whose two sessions are over, and one selected cluster in it."""

    edition_id: str
    application_id: str = field(default_factory=lambda: f"app-{uuid.uuid4().hex[:12]}")
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def participant_ids(self) -> list[str]:
        return [f"{self.application_id}-{n}" for n in range(3)]

    def edition(self) -> EditionPublished:
        return EditionPublished(
            edition_id=self.edition_id,
            revision=1,
            title=LocalizedText(fr="Académie (test)", en="Academy (test)"),
            registration_deadline=self.now - timedelta(days=60),
            time_zone="Europe/Paris",
            capacity=10,
            languages=[Language.FR, Language.EN],
            sessions=[
                EditionSession(
                    session_id=f"s{n}",
                    title=LocalizedText(fr=f"Atelier {n}", en=f"Workshop {n}"),
                    starts_at=self.now - timedelta(days=20 - n),
                    ends_at=self.now - timedelta(days=20 - n, hours=-6),
                    place="Marseille",
                )
                for n in (1, 2)
            ],
            published_at=self.now - timedelta(days=90),
        )

    def _participants(self) -> list[Participant]:
        roles = (
            ParticipantRole.CLUSTER_MANAGER,
            ParticipantRole.BOARD_MEMBER,
            ParticipantRole.BOARD_MEMBER,
        )
        return [
            Participant(
                participant_id=pid,
                role=role,
                full_name=f"Person {n}",
                email=f"p{n}@{self.application_id}.example.org",
                language=Language.FR,
            )
            for n, (pid, role) in enumerate(zip(self.participant_ids, roles, strict=True))
        ]

    def _cluster(self) -> ClusterProfile:
        return ClusterProfile(
            name="Pôle Santé Sfax",
            country=Country.TUNISIA,
            sector=Sector.HEALTH,
            eccp_id=f"eccp-{self.application_id}",
        )

    def selected(self) -> ClusterSelected:
        return ClusterSelected(
            application_id=self.application_id,
            edition_id=self.edition_id,
            cluster=self._cluster(),
            participants=self._participants(),
            selected_at=self.now - timedelta(days=40),
        )

    def rejected(self) -> ClusterRejected:
        return ClusterRejected(
            application_id=self.application_id,
            edition_id=self.edition_id,
            cluster=self._cluster(),
            participants=self._participants(),
            reason=RejectionReason.OFFER_DECLINED,
            decided_at=self.now - timedelta(days=30),
        )

    def attended(self, participant_id: str, session_id: str) -> SessionAttended:
        return SessionAttended(
            application_id=self.application_id,
            edition_id=self.edition_id,
            session_id=session_id,
            participant_id=participant_id,
            attended_at=self.now - timedelta(days=19),
        )

    def token(self) -> str:
        return links.token_for(ReimbursementSettings().link_secret, self.application_id)

    def path(self, participant_id: str) -> str:
        return f"/v1/applications/{self.application_id}/participants/{participant_id}"

    def headers(self) -> dict[str, str]:
        return {links.TOKEN_HEADER: self.token()}


@pytest.fixture
async def service(
    service_settings: Any, run_app: Any, start_at_the_end: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The running reimbursement service reading only the events sent from now on;
    ``client.app`` is the app."""
    settings = service_settings(ReimbursementSettings, max_document_bytes=MAX_DOCUMENT_BYTES)
    await start_at_the_end(settings, list(CONSUMED))
    app: FastAPI = create_app(settings)
    async with run_app(app) as client:
        client.app = app
        yield client


Enrol = Callable[..., Awaitable[Cohort]]


@pytest.fixture
def enrol(service: httpx.AsyncClient, send: Any, eventually: Any, uid: str) -> Enrol:
    """Publish an edition whose sessions are over and select a cluster for it; ``attended``
    says which sessions (default: all) each participant was checked in at. Waits until the
    service knows all of it."""
    app: Any = service.app  # type: ignore[attr-defined]
    cohort_store = app.state.participants.cohort

    async def enrol(attended: tuple[str, ...] = ("s1", "s2")) -> Cohort:
        cohort = Cohort(f"ed-{uid}")
        check_ins = [cohort.attended(p, s) for p in cohort.participant_ids for s in attended]
        await send(cohort.edition(), cohort.selected(), *check_ins)
        await eventually(lambda: cohort_store.sessions(cohort.edition_id))
        for pid in cohort.participant_ids:
            await eventually(lambda p=pid: cohort_store.claimant(cohort.application_id, p))
            await eventually(
                lambda p=pid: _attended_all(cohort_store, cohort.edition_id, p, set(attended))
            )
        return cohort

    return enrol


async def _attended_all(
    store: CohortStore, edition_id: str, participant_id: str, want: set[str]
) -> bool:
    return want <= await store.attended(edition_id, participant_id)


@pytest.fixture
def finance(staff_headers: Any) -> dict[str, str]:
    headers: dict[str, str] = staff_headers("finance")
    return headers
