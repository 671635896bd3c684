"""The check-in desk: who is expected at an edition, recording participants present at a
session (→ SessionAttended, once per participant and session), by their id or their check-in
pass, and undoing a check-in made by mistake (→ AttendanceUndone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from pydantic import SecretStr

from academy_contracts import links
from academy_kit import outbox
from academy_kit.clock import now
from academy_registration.domain import attendance
from academy_registration.domain.attendance import Admission, CheckIn
from academy_registration.domain.editions import session_of
from academy_registration.handlers.ports import (
    AdmissionStore,
    CheckInStore,
    EditionStore,
    Relay,
    find_edition,
)


@dataclass(frozen=True)
class CheckIns:
    store: CheckInStore
    admissions: AdmissionStore
    editions: EditionStore
    relay: Relay
    source: str
    opens_before: timedelta
    """How long before a session starts its check-in opens."""
    link_secret: SecretStr
    """Signs the participants' check-in passes, as it signs their links."""

    async def check_in(
        self, edition_id: str, session_id: str, participant_id: str
    ) -> tuple[CheckIn, bool]:
        """Record the participant present; ``(check-in, False)`` if they already were."""
        edition = await find_edition(self.editions, edition_id)
        session_of(edition, session_id)
        earlier = await self.store.get(edition_id, session_id, participant_id)
        if earlier is not None and earlier.undone_at is None:
            return earlier, False
        admission = await self.admissions.admitting(edition_id, participant_id)
        event = attendance.check_in(
            edition,
            session_id,
            participant_id,
            admission,
            now=now(),
            opens_before=self.opens_before,
        )
        check_in, created = await self.store.add(outbox.envelope(event, self.source))
        if created:
            self.relay.kick(
                self.store.collection,
                attendance.check_in_id(edition_id, session_id, participant_id),
            )
        return check_in, created

    async def check_in_by_pass(
        self, edition_id: str, session_id: str, check_in_pass: str
    ) -> tuple[CheckIn, bool]:
        """Record present the participant the pass names (an expired or forged pass is
        refused with :class:`links.LinkRefused`, another edition's with its own failure)."""
        grant = links.check_pass(self.link_secret, check_in_pass)
        admission = await self.admissions.of_application(grant.application_id)
        participant_id = attendance.pass_holder(edition_id, grant, admission)
        return await self.check_in(edition_id, session_id, participant_id)

    async def undo(self, edition_id: str, session_id: str, participant_id: str) -> CheckIn:
        """Strike out the participant's check-in at the session; again changes nothing."""
        session_of(await find_edition(self.editions, edition_id), session_id)
        recorded = await self.store.get(edition_id, session_id, participant_id)
        event = attendance.undo(recorded, session_id, participant_id, now=now())
        if event is not None and await self.store.undo(outbox.envelope(event, self.source)):
            self.relay.kick(
                self.store.collection,
                attendance.check_in_id(edition_id, session_id, participant_id),
            )
        found = await self.store.get(edition_id, session_id, participant_id)
        assert found is not None  # a check-in is never deleted
        return found

    async def expected(self, edition_id: str) -> list[Admission]:
        """The selected clusters of the edition, whose participants the desk checks in."""
        await find_edition(self.editions, edition_id)
        return await self.admissions.selected(edition_id)

    async def of_session(self, edition_id: str, session_id: str) -> list[CheckIn]:
        session_of(await find_edition(self.editions, edition_id), session_id)
        return await self.store.of_session(edition_id, session_id)
