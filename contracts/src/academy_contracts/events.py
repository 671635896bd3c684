"""The Academy's integration events, version 1.

Each model is the JSON body (CloudEvents ``data``) of one event type; the type names, topics and
versions live in :mod:`academy_contracts.registry`. Within a version only additive changes are
allowed (new optional fields, new enum values are not: consumers switch on them).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Self

from pydantic import Field, HttpUrl, StringConstraints, model_validator

from academy_contracts.values import (
    ContractModel,
    Country,
    ExpenseCategory,
    Identifier,
    Money,
    Participant,
    ParticipantRole,
    Sector,
    UtcDateTime,
)

BoundedText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


REQUIRED_TEAM = (
    ParticipantRole.CLUSTER_MANAGER,
    ParticipantRole.BOARD_MEMBER,
    ParticipantRole.BOARD_MEMBER,
)
"""An application names exactly the cluster manager and two board members."""


def team_problem(members: list[tuple[ParticipantRole, str]]) -> str | None:
    """Why a list of (role, email) is not the team the program requires, or None if it is."""
    if sorted(role for role, _ in members) != sorted(REQUIRED_TEAM):
        return "participants must be exactly one cluster_manager and two board_member"
    if len({email.lower() for _, email in members}) != len(members):
        return "participants must have distinct emails"
    return None


class ClusterProfile(ContractModel):
    """The cluster behind an application, as registered on the ECCP."""

    name: ShortText
    country: Country
    sector: Sector
    eccp_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    """The cluster's profile id on the European Cluster Collaboration Platform."""
    eccp_profile_url: HttpUrl | None = None


class AcademyEvent(ContractModel):
    """Fields every event carries: the application (cluster) it concerns is the Kafka key, so one
    cluster's events stay in order; the edition is the Academy cohort."""

    application_id: Identifier
    edition_id: Identifier


class ApplicationSubmitted(AcademyEvent):
    """A cluster applied to an edition of the Academy."""

    cluster: ClusterProfile
    participants: list[Participant] = Field(min_length=3, max_length=3)
    motivations: BoundedText
    expectations: BoundedText
    can_advance_costs: bool
    """The cluster declares it can advance the costs (90% are reimbursed afterwards)."""
    commits_to_attend: bool
    """The participants commit to attend every session (attendance is compulsory)."""
    submitted_at: UtcDateTime

    @model_validator(mode="after")
    def _one_manager_two_board_members(self) -> Self:
        problem = team_problem([(p.role, p.email) for p in self.participants])
        if problem:
            raise ValueError(problem)
        return self


class ClusterSelected(AcademyEvent):
    """The selection committee selected a cluster for an edition; its three participants are
    expected at every session and may claim their costs."""

    cluster: ClusterProfile
    participants: list[Participant] = Field(min_length=1, max_length=3)
    selected_at: UtcDateTime
    offer_deadline: UtcDateTime | None = None
    """The cluster confirms its place before this instant, or the offer lapses."""


class SessionAttended(AcademyEvent):
    """The check-in desk recorded a participant present at a session."""

    session_id: Identifier
    participant_id: Identifier
    attended_at: UtcDateTime


class ExpenseLine(ContractModel):
    line_id: Identifier
    category: ExpenseCategory
    expense_date: date
    description: ShortText
    amount: Money


class SupportingDocument(ContractModel):
    """A reference to an uploaded document; the bytes stay in the reimbursement service."""

    document_id: Identifier
    filename: ShortText
    media_type: Annotated[str, StringConstraints(pattern=r"^[a-z]+/[a-z0-9.+-]+$")]
    size_bytes: int = Field(ge=1)
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class ExpenseClaimed(AcademyEvent):
    """A participant claimed costs they advanced, with their supporting documents."""

    claim_id: Identifier
    participant_id: Identifier
    lines: list[ExpenseLine] = Field(min_length=1, max_length=100)
    documents: list[SupportingDocument] = Field(default_factory=list, max_length=100)
    claimed_at: UtcDateTime
