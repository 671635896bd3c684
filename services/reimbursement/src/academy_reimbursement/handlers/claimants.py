"""Who a link opens: the participant of a selected cluster, if the token is their
application's."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from academy_contracts import links
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.domain.failures import NotSelected, ParticipantNotFound
from academy_reimbursement.handlers.ports import CohortStore


@dataclass(frozen=True)
class Claimants:
    cohort: CohortStore
    link_secret: SecretStr

    async def open(self, application_id: str, participant_id: str, token: str | None) -> Claimant:
        """The participant, if the token opens their application and the cluster is selected.
        A wrong token and an unknown participant are not told apart."""
        if not links.matches(self.link_secret, application_id, token):
            raise ParticipantNotFound
        claimant = await self.cohort.claimant(application_id, participant_id)
        if claimant is None:
            raise ParticipantNotFound
        if not claimant.selected:
            raise NotSelected
        return claimant
