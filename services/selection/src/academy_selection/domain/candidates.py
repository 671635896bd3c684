"""A candidate: the selection service's own view of a cluster that applied."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from academy_contracts.events import ApplicationSubmitted, ClusterProfile
from academy_contracts.values import Participant, UtcDateTime


class CandidateStatus(StrEnum):
    RECEIVED = "received"


class Candidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    application_id: str
    edition_id: str
    cluster: ClusterProfile
    participants: list[Participant]
    motivations: str
    expectations: str
    can_advance_costs: bool
    commits_to_attend: bool
    submitted_at: UtcDateTime
    status: CandidateStatus = CandidateStatus.RECEIVED

    @classmethod
    def from_submission(cls, event: ApplicationSubmitted) -> Candidate:
        return cls(**event.model_dump(), status=CandidateStatus.RECEIVED)
