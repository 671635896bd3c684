"""Selection's decisions about one cluster, as the selection service publishes them, and an
edition with sessions around a given instant, for registration's fast tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from academy_contracts.events import (
    ClusterProfile,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    EditionSession,
    LocalizedText,
    RejectionReason,
)
from academy_contracts.values import Country, Language, Participant, ParticipantRole, Sector

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
CLUSTER = ClusterProfile(
    name="Pôle Santé Sfax", country=Country.TUNISIA, sector=Sector.HEALTH, eccp_id="x"
)


def team(application_id: str) -> list[Participant]:
    roles = [ParticipantRole.CLUSTER_MANAGER, ParticipantRole.BOARD_MEMBER]
    return [
        Participant(
            participant_id=f"{application_id}-p{n}",
            role=roles[min(n, 1)],
            full_name=f"Participant {n}",
            email=f"p{n}@{application_id}.example",
            language=Language.FR,
        )
        for n in range(3)
    ]


def selected(application_id: str, edition_id: str, at: datetime) -> ClusterSelected:
    return ClusterSelected(
        application_id=application_id,
        edition_id=edition_id,
        cluster=CLUSTER,
        participants=team(application_id),
        selected_at=at,
    )


def rejected(application_id: str, edition_id: str, at: datetime) -> ClusterRejected:
    return ClusterRejected(
        application_id=application_id,
        edition_id=edition_id,
        cluster=CLUSTER,
        participants=team(application_id),
        reason=RejectionReason.OFFER_LAPSED,
        decided_at=at,
    )


def edition(edition_id: str, *starts: datetime, hours: float = 6) -> EditionPublished:
    """An edition whose sessions s1, s2 … start at ``starts`` and last ``hours``."""
    return EditionPublished(
        edition_id=edition_id,
        revision=1,
        title=LocalizedText(fr="Académie", en="Academy"),
        registration_deadline=NOW - timedelta(days=60),
        time_zone="Europe/Paris",
        capacity=10,
        languages=[Language.FR, Language.EN],
        sessions=[
            EditionSession(
                session_id=f"s{n}",
                title=LocalizedText(fr=f"Atelier {n}", en=f"Workshop {n}"),
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
            )
            for n, start in enumerate(starts, 1)
        ],
        published_at=NOW - timedelta(days=90),
    )
