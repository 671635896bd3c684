"""Who the check-in desk may record present, and when.

Registration learns selection's decisions from its events (an :class:`Admission` per
application: the latest decision wins) and records each participant's presence at a session as
a :class:`CheckIn`, once per participant and session. The desk checks in from a set time before
a session starts until it ends: a check-in the day before would count as attendance of a
session the participant may never come to.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    EditionSession,
    SessionAttended,
    decision_time,
)
from academy_contracts.links import Grant
from academy_contracts.values import Country, Participant, UtcDateTime
from academy_registration.domain.editions import session_of
from academy_registration.domain.failures import (
    CheckInClosed,
    NotCheckedIn,
    NotSelected,
    PassForAnotherEdition,
)


class Admission(BaseModel):
    """Selection's latest decision about one cluster: selected, or not (rejected, offer
    declined or lapsed)."""

    application_id: str
    edition_id: str
    cluster_name: str
    country: Country | None = None
    """None in admissions recorded before the desk searched by country."""
    participants: list[Participant]
    selected: bool
    decided_at: UtcDateTime

    def admits(self, participant_id: str) -> bool:
        return self.selected and any(p.participant_id == participant_id for p in self.participants)


def admission(event: ClusterSelected | ClusterRejected) -> Admission:
    """The decision an event from selection records, dated by the event's own decision time."""
    selected = isinstance(event, ClusterSelected)
    return Admission(
        application_id=event.application_id,
        edition_id=event.edition_id,
        cluster_name=event.cluster.name,
        country=event.cluster.country,
        participants=list(event.participants),
        selected=selected,
        decided_at=decision_time(event),
    )


class CheckIn(BaseModel):
    """A participant recorded present at a session."""

    edition_id: str
    session_id: str
    application_id: str
    participant_id: str
    attended_at: UtcDateTime
    undone_at: UtcDateTime | None = None
    """When the desk struck it out as a mistake; the participant is then not present."""


def check_in_id(edition_id: str, session_id: str, participant_id: str) -> str:
    """The natural key of a check-in: the same participant at the same session is one."""
    return f"{edition_id}:{session_id}:{participant_id}"


def check_in_opens(session: EditionSession, opens_before: timedelta) -> datetime:
    return session.starts_at - opens_before


def check_in(
    edition: EditionPublished,
    session_id: str,
    participant_id: str,
    admission: Admission | None,
    *,
    now: datetime,
    opens_before: timedelta,
) -> SessionAttended:
    """The attendance that checking ``participant_id`` in at the session records: only a
    participant of a selected cluster, from ``opens_before`` the start until the end (both
    included) of a session of the edition."""
    session = session_of(edition, session_id)
    if admission is None or not admission.admits(participant_id):
        raise NotSelected(edition.edition_id, participant_id)
    opens_at = check_in_opens(session, opens_before)
    if not opens_at <= now <= session.ends_at:
        raise CheckInClosed(edition, session, opens_at)
    return SessionAttended(
        application_id=admission.application_id,
        edition_id=edition.edition_id,
        session_id=session_id,
        participant_id=participant_id,
        attended_at=now,
    )


def undo(
    check_in: CheckIn | None, session_id: str, participant_id: str, *, now: datetime
) -> AttendanceUndone | None:
    """The event that strikes out ``check_in`` (the participant's at the session, if any);
    None if it already is (undoing twice is undoing once). At any time: a mistake found the
    next day is still a mistake."""
    if check_in is None:
        raise NotCheckedIn(session_id, participant_id)
    if check_in.undone_at is not None:
        return None
    return AttendanceUndone(
        application_id=check_in.application_id,
        edition_id=check_in.edition_id,
        session_id=check_in.session_id,
        participant_id=check_in.participant_id,
        undone_at=now,
    )


def pass_holder(edition_id: str, grant: Grant, admission: Admission | None) -> str:
    """The participant a check-in pass names, at the desk of ``edition_id``. A pass of a
    cluster admitted to another edition is refused as such, so the desk can say so rather
    than "not selected"; any other pass goes on to :func:`check_in`'s own rules."""
    if admission is not None and admission.edition_id != edition_id:
        raise PassForAnotherEdition(edition_id, admission.edition_id)
    return grant.participant_id
