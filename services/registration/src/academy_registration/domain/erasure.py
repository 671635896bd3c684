"""Erasing people from an application: which of its people an admin may name, and the event
that has every service anonymise them.

Pure: no I/O. The handler supplies the clock and the id.
"""

from __future__ import annotations

from datetime import datetime

from academy_contracts.events import PersonalDataErased
from academy_registration.domain.applications import Application
from academy_registration.domain.failures import UnknownParticipant


def erase(
    application: Application, participant_ids: list[str], *, erasure_id: str, now: datetime
) -> PersonalDataErased:
    """The erasure of ``participant_ids``, every one a person the application names (erasing
    someone again is allowed: the services find only placeholders and change nothing)."""
    known = [p.participant_id for p in application.participants]
    for participant_id in participant_ids:
        if participant_id not in known:
            raise UnknownParticipant(participant_id, known)
    return PersonalDataErased(
        application_id=application.application_id,
        edition_id=application.edition_id,
        erasure_id=erasure_id,
        participant_ids=list(dict.fromkeys(participant_ids)),
        erased_at=now,
    )
