"""Compulsory attendance: a participant is reimbursed only after attending every session of
the edition, or having an absence excused by finance.

Approval waits until every session has ended: approving earlier would pay someone who may
still miss a later session, and the program reimburses once, after the Academy."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from pydantic import BaseModel

from academy_contracts.events import AttendanceUndone, EditionSession, SessionAttended
from academy_reimbursement.domain.failures import EditionUnknown, UnknownSession


class AttendanceCheck(BaseModel):
    not_ended: list[str]
    """Sessions that have not ended yet: approval waits for them."""
    missed: list[str]
    """Ended sessions the participant neither attended nor was excused from."""
    excused: list[str]

    @property
    def satisfied(self) -> bool:
        return not self.not_ended and not self.missed


def presence_change(event: SessionAttended | AttendanceUndone) -> tuple[datetime, bool]:
    """When the check-in desk last changed the participant's presence at the session, and
    whether they are now present. The newer change stands, whichever order the events arrive
    in: checked in, undone, then checked in again ends present, and an older event redelivered
    after a newer one changes nothing."""
    if isinstance(event, SessionAttended):
        return event.attended_at, True
    return event.undone_at, False


def check_attendance(
    sessions: Collection[EditionSession],
    attended: Collection[str],
    excused: Collection[str],
    at: datetime,
) -> AttendanceCheck:
    ordered = sorted(sessions, key=lambda s: (s.starts_at, s.session_id))
    ended = [s.session_id for s in ordered if s.ends_at <= at]
    return AttendanceCheck(
        not_ended=[s.session_id for s in ordered if s.ends_at > at],
        missed=[s for s in ended if s not in attended and s not in excused],
        excused=[s for s in ended if s not in attended and s in excused],
    )


def attendance_in(
    edition_id: str,
    sessions: Collection[EditionSession] | None,
    attended: Collection[str],
    excused: Collection[str],
    at: datetime,
) -> AttendanceCheck:
    """The participant's attendance of the edition; ``sessions`` is None when the edition was
    never published to the service, and then nothing can be said."""
    if sessions is None:
        raise EditionUnknown(edition_id)
    return check_attendance(sessions, attended, excused, at)


def excusable_session(
    edition_id: str, sessions: Collection[EditionSession] | None, session_id: str
) -> str:
    """``session_id`` when it is a session of the edition: only those absences are excused."""
    known = [s.session_id for s in sessions or ()]
    if session_id not in known:
        raise UnknownSession(edition_id, session_id, known)
    return session_id
