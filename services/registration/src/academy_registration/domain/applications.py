"""A cluster's application: the form an applicant sends, and the events submitting, amending
and withdrawing it produce.

Pure: no I/O. The handler supplies the clock and the ids, so tests can pin both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

from academy_contracts import links
from academy_contracts.events import (
    ApplicationContent,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterProfile,
    EditionPublished,
    LinkRequested,
    team_problem,
)
from academy_contracts.values import (
    BoundedText,
    Country,
    Identifier,
    Language,
    Participant,
    ParticipantRole,
    Phone,
    Sector,
    Sex,
    ShortText,
    UtcDateTime,
)
from academy_registration.domain.editions import check_open
from academy_registration.domain.failures import ApplicationNotFound, ApplicationWithdrawnAlready


class ParticipantForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: ParticipantRole
    full_name: ShortText
    email: EmailStr
    phone: Phone | None = None
    language: Language
    sex: Sex | None = None
    """Optional, for the funder's figures by sex; ``prefer_not_to_say`` is an answer too."""


ECCP_HOSTS = ("clustercollaboration.eu", "www.clustercollaboration.eu")


class ClusterForm(BaseModel):
    """The cluster, with its European Cluster Collaboration Platform registration: its profile
    id, or its profile URL on the platform (the id is then the URL's last segment)."""

    model_config = ConfigDict(extra="forbid")

    name: ShortText
    country: Country
    sector: Sector
    eccp_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9._-]{1,120}$")]
        | None
    ) = None
    eccp_profile_url: HttpUrl | None = Field(
        default=None,
        examples=["https://clustercollaboration.eu/cluster-organisations/pole-sante"],
    )

    @field_validator("eccp_profile_url")
    @classmethod
    def _on_the_platform(cls, url: HttpUrl | None) -> HttpUrl | None:
        if url is not None and url.host not in ECCP_HOSTS:
            raise ValueError(f"the ECCP profile is a page on {ECCP_HOSTS[0]}")
        if url is not None and not (url.path or "").strip("/"):
            raise ValueError("the URL names no profile")
        return url

    @model_validator(mode="after")
    def _registered(self) -> Self:
        if self.eccp_id is None and self.eccp_profile_url is None:
            raise ValueError(
                "give the ECCP profile id or the profile URL: clusters must be "
                "registered on the European Cluster Collaboration Platform"
            )
        return self

    def profile(self) -> ClusterProfile:
        eccp_id = self.eccp_id
        if eccp_id is None and self.eccp_profile_url is not None:
            eccp_id = (self.eccp_profile_url.path or "").rstrip("/").rsplit("/", 1)[-1]
        return ClusterProfile(
            name=self.name,
            country=self.country,
            sector=self.sector,
            eccp_id=eccp_id or "",
            eccp_profile_url=self.eccp_profile_url,
        )


class ApplicationContentForm(BaseModel):
    """What an application says; an amendment sends it whole. Unknown fields are refused so
    typos do not go unnoticed."""

    model_config = ConfigDict(extra="forbid")

    cluster: ClusterForm
    participants: list[ParticipantForm] = Field(min_length=3, max_length=3)
    motivations: BoundedText
    expectations: BoundedText
    can_advance_costs: bool
    commits_to_attend: bool

    @field_validator("participants")
    @classmethod
    def _team(cls, participants: list[ParticipantForm]) -> list[ParticipantForm]:
        problem = team_problem([(p.role, str(p.email)) for p in participants])
        if problem:
            raise ValueError(problem)
        return participants


class ApplicationForm(ApplicationContentForm):
    """What a cluster sends to apply to an edition."""

    edition_id: Identifier


class WithdrawalForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: BoundedText | None = None


class Status(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


class Application(ApplicationContent):
    """An application as it stands: its latest content, where it is, and when it changed."""

    status: Status
    revision: int
    submitted_at: UtcDateTime
    updated_at: UtcDateTime
    withdrawn_at: UtcDateTime | None = None
    withdrawal_reason: str | None = None


class ApplicationFilter(BaseModel):
    """What staff narrow the list of applications by; an unset criterion matches all."""

    edition_id: str | None = None
    country: Country | None = None
    sector: Sector | None = None
    status: Status | None = None

    def criteria(self) -> dict[str, Any]:
        """The set criteria by the stored field they constrain."""
        fields = {
            "edition_id": self.edition_id,
            "cluster.country": self.country,
            "cluster.sector": self.sector,
            "status": self.status,
        }
        return {name: str(value) for name, value in fields.items() if value is not None}


def submit(
    form: ApplicationForm,
    edition: EditionPublished,
    *,
    application_id: str,
    participant_ids: list[str],
    now: datetime,
) -> ApplicationSubmitted:
    """The event that submitting ``form`` records, while the edition takes applications."""
    check_open(edition, now)
    return ApplicationSubmitted(
        application_id=application_id,
        edition_id=form.edition_id,
        cluster=form.cluster.profile(),
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


def check_changeable(application: Application, edition: EditionPublished, now: datetime) -> None:
    """An application changes only while it is live and its edition takes applications."""
    if application.status == Status.WITHDRAWN:
        raise ApplicationWithdrawnAlready(application.application_id)
    check_open(edition, now)


def amend(
    current: Application,
    changes: ApplicationContentForm,
    edition: EditionPublished,
    *,
    new_participant_id: Callable[[], str],
    now: datetime,
) -> tuple[Application, ApplicationUpdated] | None:
    """The amended application and the event recording ``changes``, or None when they change
    nothing. A participant keeps their id while their email stays the same, so attendance and
    claims stay linked."""
    check_changeable(current, edition, now)
    ids_by_email = {p.email.lower(): p.participant_id for p in current.participants}
    updated = ApplicationUpdated(
        application_id=current.application_id,
        edition_id=current.edition_id,
        cluster=changes.cluster.profile(),
        participants=[
            Participant(
                participant_id=ids_by_email.get(str(p.email).lower()) or new_participant_id(),
                **p.model_dump(),
            )
            for p in changes.participants
        ],
        motivations=changes.motivations,
        expectations=changes.expectations,
        can_advance_costs=changes.can_advance_costs,
        commits_to_attend=changes.commits_to_attend,
        revision=current.revision + 1,
        updated_at=now,
    )
    content = set(ApplicationContent.model_fields)
    if updated.model_dump(include=content) == current.model_dump(include=content):
        return None
    amended = {**updated.model_dump(include=content), "updated_at": now}
    return _changed(current, amended, updated.revision), updated


def withdraw(
    current: Application, form: WithdrawalForm, edition: EditionPublished, *, now: datetime
) -> tuple[Application, ApplicationWithdrawn] | None:
    """The withdrawn application and the event recording it, or None when the application is
    withdrawn already (withdrawing twice changes nothing)."""
    if current.status == Status.WITHDRAWN:
        return None
    check_changeable(current, edition, now)
    withdrawn = ApplicationWithdrawn(
        application_id=current.application_id,
        edition_id=current.edition_id,
        revision=current.revision + 1,
        reason=form.reason,
        withdrawn_at=now,
    )
    changes = {
        "status": Status.WITHDRAWN,
        "withdrawal_reason": form.reason,
        "withdrawn_at": now,
        "updated_at": now,
    }
    return _changed(current, changes, withdrawn.revision), withdrawn


def manager(application: Application) -> Participant:
    """The application's cluster manager (every application names exactly one)."""
    return next(p for p in application.participants if p.role == ParticipantRole.CLUSTER_MANAGER)


def check_managed_by(application: Application, grant: links.Grant) -> None:
    """Only the link of the application's present cluster manager manages it: a manager
    replaced by an amendment loses the application with their role."""
    grant.opens_application(application.application_id, manage=True)
    if grant.participant_id != manager(application).participant_id:
        raise links.LinkRefused(links.Refusal.OTHER_PERSON)


def named_person(application: Application, grant: links.Grant, participant_id: str) -> Participant:
    """The participant ``grant`` opens: that very person of the application, as it names them
    now (a participant an amendment replaced is no longer found)."""
    grant.opens_participant(application.application_id, participant_id)
    found = next((p for p in application.participants if p.participant_id == participant_id), None)
    if found is None:
        raise ApplicationNotFound(application.application_id)
    return found


def link_requested(application: Application, email: str, now: datetime) -> LinkRequested | None:
    """The request for new links to ``email``, if the application names that address."""
    named = {str(p.email).lower() for p in application.participants}
    if email.strip().lower() not in named:
        return None
    return LinkRequested(
        application_id=application.application_id,
        edition_id=application.edition_id,
        email=email.strip(),
        requested_at=now,
    )


def _changed(current: Application, changes: dict[str, Any], revision: int) -> Application:
    return Application.model_validate({**current.model_dump(), **changes, "revision": revision})
