"""A sample edition and cluster as the events registration and selection publish about them.

Several services' tests play these events to the service under test (documents, reimbursement,
registration's check-in), each choosing its instants and names; the shapes are written here once
so a change to the events' contract is made in one place."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

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

ROLES = (
    ParticipantRole.CLUSTER_MANAGER,
    ParticipantRole.BOARD_MEMBER,
    ParticipantRole.BOARD_MEMBER,
)
"""A cluster's three participants: its manager and two board members."""


def edition(
    edition_id: str,
    starts: Sequence[datetime],
    *,
    title: LocalizedText,
    registration_deadline: datetime,
    published_at: datetime,
    revision: int = 1,
    capacity: int = 10,
    hours: float = 6,
    place: str | None = "Marseille",
) -> EditionPublished:
    """An edition whose sessions s1, s2 … start at ``starts`` and last ``hours`` each."""
    return EditionPublished(
        edition_id=edition_id,
        revision=revision,
        title=title,
        registration_deadline=registration_deadline,
        time_zone="Europe/Paris",
        capacity=capacity,
        languages=[Language.FR, Language.EN],
        sessions=[
            EditionSession(
                session_id=f"s{n}",
                title=LocalizedText(fr=f"Atelier {n}", en=f"Workshop {n}"),
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                place=place,
            )
            for n, start in enumerate(starts, 1)
        ],
        published_at=published_at,
    )


def cluster(name: str, eccp_id: str) -> ClusterProfile:
    return ClusterProfile(name=name, country=Country.TUNISIA, sector=Sector.HEALTH, eccp_id=eccp_id)


def team(
    participant_ids: Sequence[str],
    names: Sequence[str],
    emails: Sequence[str],
    languages: Sequence[Language] | None = None,
) -> list[Participant]:
    """The participants of ``participant_ids`` in the order of :data:`ROLES` (French-speaking
    unless ``languages`` says otherwise)."""
    spoken = languages or [Language.FR] * len(participant_ids)
    return [
        Participant(participant_id=pid, role=role, full_name=name, email=email, language=language)
        for pid, role, name, email, language in zip(
            participant_ids, ROLES, names, emails, spoken, strict=True
        )
    ]


@dataclass(frozen=True)
class Applicant:
    """One cluster's application to an edition, and the decisions and check-ins about it."""

    application_id: str
    edition_id: str
    profile: ClusterProfile
    participants: list[Participant]

    def selected(self, at: datetime) -> ClusterSelected:
        return ClusterSelected(
            application_id=self.application_id,
            edition_id=self.edition_id,
            cluster=self.profile,
            participants=self.participants,
            selected_at=at,
        )

    def rejected(
        self, at: datetime, reason: RejectionReason = RejectionReason.OFFER_LAPSED
    ) -> ClusterRejected:
        """A rejection after a selection (by default a lapsed offer), which revokes it."""
        return ClusterRejected(
            application_id=self.application_id,
            edition_id=self.edition_id,
            cluster=self.profile,
            participants=self.participants,
            reason=reason,
            decided_at=at,
        )

    def attended(self, participant_id: str, session_id: str, at: datetime) -> SessionAttended:
        return SessionAttended(
            application_id=self.application_id,
            edition_id=self.edition_id,
            session_id=session_id,
            participant_id=participant_id,
            attended_at=at,
        )
