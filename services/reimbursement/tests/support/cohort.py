"""One edition of a test, whose two sessions are over, and one selected cluster in it: the
events selection, registration and check-in send about them, and the participants' link."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from PIL import Image
from pypdf import PdfWriter

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
from academy_reimbursement.settings import ReimbursementSettings

MAX_DOCUMENT_BYTES = 64 * 1024


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, kind)
    return out.getvalue()


PDF, PNG, JPEG = _pdf(), _image("PNG"), _image("JPEG")
"""Real files of each accepted type, which parse and decode as what they say."""
DISGUISED_PDF = b"%PDF-1.7\n<html><body><script>alert(document.cookie)</script></body></html>\n"
"""HTML and script behind a PDF's magic bytes."""


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

    def token(self, participant_id: str) -> str:
        """The participant's personal link token (the first participant is the manager)."""
        scope = (
            links.Scope.MANAGER
            if participant_id == self.participant_ids[0]
            else links.Scope.PARTICIPANT
        )
        secret = ReimbursementSettings().link_secret
        return links.issue(
            secret, self.application_id, participant_id, scope, now=datetime.now(UTC)
        )

    def grant(self, participant_id: str) -> links.Grant:
        secret = ReimbursementSettings().link_secret
        return links.check(secret, self.token(participant_id), self.application_id)

    def path(self, participant_id: str) -> str:
        return f"/v1/applications/{self.application_id}/participants/{participant_id}"

    def headers(self, participant_id: str) -> dict[str, str]:
        return {links.TOKEN_HEADER: self.token(participant_id)}
