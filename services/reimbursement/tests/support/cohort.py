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
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    LocalizedText,
    RejectionReason,
    SessionAttended,
)
from academy_local import cohort as sample
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
        return sample.edition(
            self.edition_id,
            [self.now - timedelta(days=20 - n) for n in (1, 2)],
            title=LocalizedText(fr="Académie (test)", en="Academy (test)"),
            registration_deadline=self.now - timedelta(days=60),
            published_at=self.now - timedelta(days=90),
        )

    @property
    def applicant(self) -> sample.Applicant:
        return sample.Applicant(
            self.application_id,
            self.edition_id,
            sample.cluster("Pôle Santé Sfax", f"eccp-{self.application_id}"),
            sample.team(
                self.participant_ids,
                [f"Person {n}" for n in range(3)],
                [f"p{n}@{self.application_id}.example.org" for n in range(3)],
            ),
        )

    def selected(self) -> ClusterSelected:
        return self.applicant.selected(self.now - timedelta(days=40))

    def rejected(self) -> ClusterRejected:
        return self.applicant.rejected(
            self.now - timedelta(days=30), RejectionReason.OFFER_DECLINED
        )

    def attended(self, participant_id: str, session_id: str) -> SessionAttended:
        return self.applicant.attended(participant_id, session_id, self.now - timedelta(days=19))

    def undone(self, participant_id: str, session_id: str) -> AttendanceUndone:
        """The check-in desk striking out that check-in an hour after it."""
        check_in = self.attended(participant_id, session_id)
        return AttendanceUndone(
            application_id=self.application_id,
            edition_id=self.edition_id,
            session_id=session_id,
            participant_id=participant_id,
            undone_at=check_in.attended_at + timedelta(hours=1),
        )

    def attended_again(self, participant_id: str, session_id: str) -> SessionAttended:
        """The person checked in once more, after the undoing."""
        check_in = self.attended(participant_id, session_id)
        return check_in.model_copy(
            update={"attended_at": check_in.attended_at + timedelta(hours=2)}
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
