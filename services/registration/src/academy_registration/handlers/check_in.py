"""The check-in desk: who is expected at an edition, and recording participants present at a
session (→ SessionAttended, once per participant and session)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

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

    async def check_in(
        self, edition_id: str, session_id: str, participant_id: str
    ) -> tuple[CheckIn, bool]:
        """Record the participant present; ``(check-in, False)`` if they already were."""
        edition = await find_edition(self.editions, edition_id)
        session_of(edition, session_id)
        earlier = await self.store.get(edition_id, session_id, participant_id)
        if earlier is not None:
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

    async def expected(self, edition_id: str) -> list[Admission]:
        """The selected clusters of the edition, whose participants the desk checks in."""
        await find_edition(self.editions, edition_id)
        return await self.admissions.selected(edition_id)

    async def of_session(self, edition_id: str, session_id: str) -> list[CheckIn]:
        session_of(await find_edition(self.editions, edition_id), session_id)
        return await self.store.of_session(edition_id, session_id)
