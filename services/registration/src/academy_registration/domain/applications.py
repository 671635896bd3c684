"""A cluster's application: the form an applicant sends, and what submitting it produces.

Pure: no I/O. The handler supplies the clock and the ids, so tests can pin both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, model_validator

from academy_contracts.events import ApplicationSubmitted, ClusterProfile, team_problem
from academy_contracts.values import Language, Participant, ParticipantRole

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class ParticipantForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: ParticipantRole
    full_name: Name
    email: EmailStr
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    language: Language


class ApplicationForm(BaseModel):
    """What a cluster sends to apply; unknown fields are refused so typos do not go unnoticed."""

    model_config = ConfigDict(extra="forbid")

    edition_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
    cluster: ClusterProfile
    participants: list[ParticipantForm] = Field(min_length=3, max_length=3)
    motivations: Text
    expectations: Text
    can_advance_costs: bool
    commits_to_attend: bool

    @model_validator(mode="after")
    def _team(self) -> Self:
        problem = team_problem([(p.role, str(p.email)) for p in self.participants])
        if problem:
            raise ValueError(problem)
        return self


def submit(
    form: ApplicationForm, *, application_id: str, participant_ids: list[str], now: datetime
) -> ApplicationSubmitted:
    """The event that submitting ``form`` records."""
    return ApplicationSubmitted(
        application_id=application_id,
        edition_id=form.edition_id,
        cluster=form.cluster,
        participants=[
            Participant(participant_id=pid, **p.model_dump())
            for pid, p in zip(participant_ids, form.participants, strict=True)
        ],
        motivations=form.motivations,
        expectations=form.expectations,
        can_advance_costs=form.can_advance_costs,
        commits_to_attend=form.commits_to_attend,
        submitted_at=now,
    )
