"""A story of one edition with known answers: two sessions, one selected cluster of three
participants; each test says who attended what. Its events are what registration and
selection publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from academy_contracts.events import (
    AttendanceUndone,
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

NAMES = ("Ahmed Ben Saïd", "أحمد بن سعيد", "Leïla Haddad")


@dataclass
class Cohort:
    edition_id: str
    application_id: str = field(default="")
    ended: bool = True
    """Whether the edition's sessions are over when it is published."""

    def __post_init__(self) -> None:
        self.application_id = self.application_id or f"{self.edition_id}-app"
        self.start = datetime.now(UTC) + (timedelta(days=-10) if self.ended else timedelta(days=10))

    @property
    def participant_ids(self) -> list[str]:
        return [f"{self.application_id}-p{n}" for n in range(3)]

    def edition(self, revision: int = 1, sessions: int = 2) -> EditionPublished:
        return EditionPublished(
            edition_id=self.edition_id,
            revision=revision,
            title=LocalizedText(fr="Académie des clusters", en="Cluster Academy"),
            registration_deadline=self.start - timedelta(days=30),
            time_zone="Europe/Paris",
            capacity=10,
            languages=[Language.FR, Language.EN],
            sessions=[
                EditionSession(
                    session_id=f"s{n}",
                    title=LocalizedText(fr=f"Atelier {n}", en=f"Workshop {n}"),
                    starts_at=self.start + timedelta(days=n),
                    ends_at=self.start + timedelta(days=n, hours=6),
                    place="Marseille",
                )
                for n in range(1, sessions + 1)
            ],
            published_at=self.start - timedelta(days=60),
        )

    def _cluster(self) -> ClusterProfile:
        return ClusterProfile(
            name="Cluster Santé Tunisie",
            country=Country.TUNISIA,
            sector=Sector.HEALTH,
            eccp_id="eccp-1",
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
                full_name=name,
                email=f"p{n}@cluster.tn",
                language=Language.FR if n != 2 else Language.EN,
            )
            for n, (pid, role, name) in enumerate(
                zip(self.participant_ids, roles, NAMES, strict=True)
            )
        ]

    def selected(self) -> ClusterSelected:
        return ClusterSelected(
            application_id=self.application_id,
            edition_id=self.edition_id,
            cluster=self._cluster(),
            participants=self._participants(),
            selected_at=self.start - timedelta(days=20),
        )

    def rejected(self, after: timedelta = timedelta(days=30)) -> ClusterRejected:
        return ClusterRejected(
            application_id=self.application_id,
            edition_id=self.edition_id,
            cluster=self._cluster(),
            participants=self._participants(),
            reason=RejectionReason.OFFER_LAPSED,
            decided_at=self.start + after,
        )

    def attended(self, participant_id: str, session_id: str) -> SessionAttended:
        n = int(session_id[1:])
        return SessionAttended(
            application_id=self.application_id,
            edition_id=self.edition_id,
            session_id=session_id,
            participant_id=participant_id,
            attended_at=self.start + timedelta(days=n, minutes=5),
        )

    def undone(self, participant_id: str, session_id: str) -> AttendanceUndone:
        n = int(session_id[1:])
        return AttendanceUndone(
            application_id=self.application_id,
            edition_id=self.edition_id,
            session_id=session_id,
            participant_id=participant_id,
            undone_at=self.start + timedelta(days=n, hours=1),
        )
