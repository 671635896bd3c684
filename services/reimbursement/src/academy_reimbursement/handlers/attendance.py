"""Attendance as finance sees it: which sessions a participant attended, missed or was excused
from, and excusing an absence."""

from __future__ import annotations

from dataclasses import dataclass

from academy_kit.clock import now
from academy_reimbursement.domain.attendance import (
    AttendanceCheck,
    attendance_in,
    excusable_session,
)
from academy_reimbursement.domain.cohort import Excuse
from academy_reimbursement.handlers.ports import CohortStore


@dataclass(frozen=True)
class Attendance:
    cohort: CohortStore

    async def check(self, edition_id: str, participant_id: str) -> AttendanceCheck:
        excused = {e.session_id for e in await self.cohort.excuses(edition_id, participant_id)}
        return attendance_in(
            edition_id,
            await self.cohort.sessions(edition_id),
            await self.cohort.attended(edition_id, participant_id),
            excused,
            now(),
        )

    async def excuse(
        self, edition_id: str, participant_id: str, session_id: str, reason: str, by: str
    ) -> Excuse:
        """Record (or restate) an excused absence from a session of the edition."""
        excuse = Excuse(
            session_id=excusable_session(
                edition_id, await self.cohort.sessions(edition_id), session_id
            ),
            reason=reason,
            excused_by=by,
            excused_at=now(),
        )
        await self.cohort.excuse(edition_id, participant_id, excuse)
        return excuse
