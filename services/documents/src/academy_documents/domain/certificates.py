"""Certificates of attendance: who earns one, when, and when it is revoked.

Attendance of every session is compulsory, so a certificate says the holder attended all of
them. It is issued once the edition's last session has ended, to each participant of a
selected cluster recorded present at every session; an excused absence counts only where the
program manager said it does (:class:`CountedAbsence`). Whenever the facts change afterwards
(a check-in undone, a late check-in, a decision revoked) the participant is reviewed again:
a certificate that no longer stands is revoked, one newly earned is issued (again, under the
same reference).

The reference is an HMAC of edition and participant under the service's secret: the holder's
certificate is found from it by ``_id`` and from the participant by computing it, and nobody
can make up one that verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel

from academy_contracts.events import (
    CertificateIssued,
    CertificateRevoked,
    EditionPublished,
    EditionSession,
)
from academy_contracts.values import Country, Language, ParticipantRole, UtcDateTime
from academy_documents.domain.cohort import Roster
from academy_documents.domain.failures import EditionUnknown, UnknownSession

REFERENCE_PREFIX = "CA"


class CertificateState(StrEnum):
    ISSUED = "issued"
    REVOKED = "revoked"


class RevocationReason(StrEnum):
    ATTENDANCE_INCOMPLETE = "attendance_incomplete"
    """A check-in it rested on was undone (or a session was added to the edition)."""
    NOT_SELECTED = "not_selected"
    """The cluster's place was withdrawn after all."""


class Certificate(BaseModel):
    reference: str
    edition_id: str
    application_id: str
    participant_id: str
    full_name: str
    email: str
    language: Language
    role: ParticipantRole
    cluster_name: str
    country: Country
    sessions: list[str]
    """The sessions it certifies, in the edition's order."""
    state: CertificateState
    issued_at: UtcDateTime
    revoked_at: UtcDateTime | None = None
    revocation_reason: RevocationReason | None = None

    @property
    def valid(self) -> bool:
        return self.state == CertificateState.ISSUED


class CountedAbsence(BaseModel):
    """The program manager's word that an excused absence counts as attended."""

    session_id: str
    reason: str
    counted_by: str
    counted_at: UtcDateTime


class Attendance(BaseModel):
    """A participant's presence at an edition's sessions."""

    attended: set[str]
    """Sessions they were checked in at (and the check-in not undone)."""
    counted: set[str]
    """Sessions whose excused absence the program manager counts as attended."""


def reference_for(
    secret: bytes, edition_id: str, participant_id: str, prefix: str = REFERENCE_PREFIX
) -> str:
    """A document's reference: ``CA-XXXX-XXXX-XXXX-XXXX`` for a certificate (80 bits of an
    HMAC), short enough to type from paper, long enough not to be guessed."""
    digest = hmac.new(secret, f"{edition_id}/{participant_id}".encode(), hashlib.sha256).digest()
    code = base64.b32encode(digest[:10]).decode()
    return "-".join([prefix, *(code[i : i + 4] for i in range(0, 16, 4))])


def ordered(sessions: Collection[EditionSession]) -> list[EditionSession]:
    return sorted(sessions, key=lambda s: (s.starts_at, s.session_id))


def edition_over(edition: EditionPublished, at: datetime) -> bool:
    """Certificates wait for the last session's end: until then anyone may still miss one."""
    return bool(edition.sessions) and max(s.ends_at for s in edition.sessions) <= at


def attended_all(edition: EditionPublished, attendance: Attendance) -> bool:
    """Present at every session, an absence counting only where the program manager said so."""
    return bool(edition.sessions) and all(
        s.session_id in attendance.attended or s.session_id in attendance.counted
        for s in edition.sessions
    )


def review(
    current: Certificate | None,
    *,
    reference: str,
    edition: EditionPublished,
    roster: Roster,
    participant_id: str,
    attendance: Attendance,
    at: datetime,
) -> tuple[Certificate, CertificateIssued | CertificateRevoked] | None:
    """The participant's certificate after a change of the facts, and the event recording the
    change; None when nothing changes (not yet due, or already as it should be)."""
    member = roster.member(participant_id)
    if member is None:
        return None
    completed = attended_all(edition, attendance)
    due = roster.selected and completed and edition_over(edition, at)
    if due and (current is None or not current.valid):
        issued = Certificate(
            reference=reference,
            edition_id=edition.edition_id,
            application_id=roster.application_id,
            participant_id=participant_id,
            full_name=member.full_name,
            email=member.email,
            language=member.language,
            role=member.role,
            cluster_name=roster.cluster_name,
            country=roster.country,
            sessions=[s.session_id for s in ordered(edition.sessions)],
            state=CertificateState.ISSUED,
            issued_at=at,
        )
        return issued, CertificateIssued(
            application_id=roster.application_id,
            edition_id=edition.edition_id,
            reference=reference,
            participant_id=participant_id,
            full_name=member.full_name,
            email=member.email,
            language=member.language,
            sessions_attended=len(issued.sessions),
            issued_at=at,
        )
    if not due and current is not None and current.valid:
        reason = (
            RevocationReason.NOT_SELECTED
            if not roster.selected
            else RevocationReason.ATTENDANCE_INCOMPLETE
        )
        revoked = current.model_copy(
            update={
                "state": CertificateState.REVOKED,
                "revoked_at": at,
                "revocation_reason": reason,
            }
        )
        return revoked, CertificateRevoked(
            application_id=current.application_id,
            edition_id=current.edition_id,
            reference=current.reference,
            participant_id=participant_id,
            reason=reason.value,
            revoked_at=at,
        )
    return None


def countable_session(edition: EditionPublished | None, edition_id: str, session_id: str) -> str:
    """``session_id`` when it is a session of the edition: only those absences may count."""
    if edition is None:
        raise EditionUnknown(edition_id)
    known = [s.session_id for s in ordered(edition.sessions)]
    if session_id not in known:
        raise UnknownSession(edition_id, session_id, known)
    return session_id
