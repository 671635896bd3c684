"""A story of one edition with known answers: two sessions, one selected cluster of three
participants; each test says who attended what. Its events are what registration and
selection publish."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    LocalizedText,
    OfferActor,
    OfferConfirmed,
    SessionAttended,
)
from academy_contracts.values import Language
from academy_local import cohort as sample

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
        return sample.edition(
            self.edition_id,
            [self.start + timedelta(days=n) for n in range(1, sessions + 1)],
            title=LocalizedText(fr="Académie des clusters", en="Cluster Academy"),
            registration_deadline=self.start - timedelta(days=30),
            published_at=self.start - timedelta(days=60),
            revision=revision,
        )

    @property
    def applicant(self) -> sample.Applicant:
        return sample.Applicant(
            self.application_id,
            self.edition_id,
            sample.cluster("Cluster Santé Tunisie", "eccp-1"),
            sample.team(
                self.participant_ids,
                NAMES,
                [f"p{n}@cluster.tn" for n in range(3)],
                [Language.FR, Language.FR, Language.EN],
            ),
        )

    def selected(self) -> ClusterSelected:
        return self.applicant.selected(self.start - timedelta(days=20))

    def confirmed(self) -> OfferConfirmed:
        return OfferConfirmed(
            application_id=self.application_id,
            edition_id=self.edition_id,
            confirmed_at=self.start - timedelta(days=18),
            confirmed_by=OfferActor.APPLICANT,
        )

    def rejected(self, after: timedelta = timedelta(days=30)) -> ClusterRejected:
        return self.applicant.rejected(self.start + after)

    def attended(self, participant_id: str, session_id: str) -> SessionAttended:
        at = self.start + timedelta(days=int(session_id[1:]), minutes=5)
        return self.applicant.attended(participant_id, session_id, at)

    def undone(self, participant_id: str, session_id: str) -> AttendanceUndone:
        n = int(session_id[1:])
        return AttendanceUndone(
            application_id=self.application_id,
            edition_id=self.edition_id,
            session_id=session_id,
            participant_id=participant_id,
            undone_at=self.start + timedelta(days=n, hours=1),
        )
