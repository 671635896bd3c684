"""Who a link opens: the participant of a selected cluster, if the link is that very
person's (the cluster manager's link opens the manager's own claim, never a teammate's)."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts import links
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.domain.failures import NotSelected, ParticipantNotFound
from academy_reimbursement.handlers.ports import CohortStore


@dataclass(frozen=True)
class Claimants:
    cohort: CohortStore

    async def open(self, application_id: str, participant_id: str, grant: links.Grant) -> Claimant:
        """The participant, if ``grant`` is their own link and their cluster is selected."""
        grant.opens_participant(application_id, participant_id)
        claimant = await self.cohort.claimant(application_id, participant_id)
        if claimant is None:
            raise ParticipantNotFound
        if not claimant.selected:
            raise NotSelected
        return claimant
