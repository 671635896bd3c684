"""Selection's decisions about one cluster, as the selection service publishes them, and an
edition with sessions around a given instant, for registration's fast tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from academy_contracts.events import (
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    LocalizedText,
)
from academy_contracts.values import Participant
from academy_local import cohort as sample

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
CLUSTER = sample.cluster("Pôle Santé Sfax", "x")


def team(application_id: str) -> list[Participant]:
    return sample.team(
        [f"{application_id}-p{n}" for n in range(3)],
        [f"Participant {n}" for n in range(3)],
        [f"p{n}@{application_id}.example" for n in range(3)],
    )


def selected(application_id: str, edition_id: str, at: datetime) -> ClusterSelected:
    return sample.Applicant(application_id, edition_id, CLUSTER, team(application_id)).selected(at)


def rejected(application_id: str, edition_id: str, at: datetime) -> ClusterRejected:
    return sample.Applicant(application_id, edition_id, CLUSTER, team(application_id)).rejected(at)


def edition(edition_id: str, *starts: datetime, hours: float = 6) -> EditionPublished:
    """An edition whose sessions s1, s2 … start at ``starts`` and last ``hours``."""
    return sample.edition(
        edition_id,
        starts,
        title=LocalizedText(fr="Académie", en="Academy"),
        registration_deadline=NOW - timedelta(days=60),
        published_at=NOW - timedelta(days=90),
        hours=hours,
        place=None,
    )
