"""An application as the selection service knows it: the latest revision of its content, whether
it is still in the running, and the eligibility screening of that revision.

Pure: the record is rebuilt from registration's events; the store keeps one per application.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from academy_contracts.events import (
    ApplicationContent,
    ApplicationSubmitted,
    ApplicationUpdated,
    ClusterProfile,
    ScreeningReason,
)
from academy_contracts.values import Participant, UtcDateTime


class ApplicationStatus(StrEnum):
    ACTIVE = "active"
    WITHDRAWN = "withdrawn"


class Screening(BaseModel):
    """The eligibility check of one revision; ``reasons`` is empty when it is eligible."""

    model_config = ConfigDict(frozen=True)

    revision: int
    eligible: bool
    reasons: list[ScreeningReason]
    screened_at: UtcDateTime


class Application(BaseModel):
    """One cluster's application at its latest known revision."""

    model_config = ConfigDict(frozen=True)

    application_id: str
    edition_id: str
    revision: int
    status: ApplicationStatus = ApplicationStatus.ACTIVE
    cluster: ClusterProfile
    participants: list[Participant]
    motivations: str
    expectations: str
    can_advance_costs: bool
    commits_to_attend: bool
    submitted_at: UtcDateTime | None = None
    """When revision 1 was submitted; unknown if the submission itself never reached us."""
    changed_at: UtcDateTime
    """When this revision was made: the submission or the latest amendment."""
    screening: Screening | None = None
    """None while the edition (and so its deadline) is not known yet."""

    @classmethod
    def from_event(cls, event: ApplicationSubmitted | ApplicationUpdated) -> Application:
        content = event.model_dump(include=set(ApplicationContent.model_fields))
        if isinstance(event, ApplicationSubmitted):
            return cls(
                **content,
                revision=1,
                submitted_at=event.submitted_at,
                changed_at=event.submitted_at,
            )
        return cls(
            **content, revision=event.revision, submitted_at=None, changed_at=event.updated_at
        )

    @property
    def eligible(self) -> bool:
        """Screened eligible at this revision and not withdrawn."""
        return (
            self.status is ApplicationStatus.ACTIVE
            and self.screening is not None
            and self.screening.revision == self.revision
            and self.screening.eligible
        )

    @property
    def arrived_at(self) -> datetime:
        """The instant used to break ties between equal scores: the earliest one known."""
        return self.submitted_at or self.changed_at
