"""The Academy's integration events, version 1.

Each model is the JSON body (CloudEvents ``data``) of one event type; the type names, topics and
versions live in :mod:`academy_contracts.registry`. Within a version only additive changes are
allowed (new optional fields, new enum values are not: consumers switch on them).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Self

from pydantic import EmailStr, Field, HttpUrl, StringConstraints, model_validator
from pydantic_extra_types.country import CountryAlpha2

from academy_contracts.values import (
    BoundedText,
    ContractModel,
    Country,
    ExpenseCategory,
    Identifier,
    Language,
    Money,
    Participant,
    ParticipantRole,
    Phone,
    Sector,
    ShortText,
    UtcDateTime,
)

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


class IntegrationEvent(ContractModel):
    """Base of every event. ``key`` is the Kafka record key (and CloudEvents ``subject``): all
    events with one key land on one partition, so they keep their order."""

    @property
    def key(self) -> str:
        raise NotImplementedError


class AcademyEvent(IntegrationEvent):
    """An event about one cluster's application: the application id is the key, so one cluster's
    events stay in order; the edition is the Academy cohort."""

    application_id: Identifier
    edition_id: Identifier

    @property
    def key(self) -> str:
        return self.application_id


class LocalizedText(ContractModel):
    """User-facing text exists in French and English."""

    fr: ShortText
    en: ShortText


class EditionSession(ContractModel):
    """One session of an edition; attendance of every session is compulsory."""

    session_id: Identifier
    title: LocalizedText
    starts_at: UtcDateTime
    ends_at: UtcDateTime
    place: ShortText | None = None
    online: bool = False

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("a session ends after it starts")
        return self


class EditionPublished(IntegrationEvent):
    """An edition (cohort) of the Academy as staff last set it: the whole of it, each time it is
    created or changed. ``revision`` grows by one per change; keep the highest one seen."""

    edition_id: Identifier
    revision: int = Field(ge=1)
    title: LocalizedText
    registration_deadline: UtcDateTime
    """Applications are accepted up to and including this instant."""
    time_zone: ShortText
    """The IANA time zone the deadline was set in, for quoting it to applicants."""
    capacity: int = Field(ge=1)
    """How many clusters the edition takes."""
    languages: list[Language] = Field(min_length=1)
    sessions: list[EditionSession] = Field(default_factory=list)
    published_at: UtcDateTime

    @property
    def key(self) -> str:
        return self.edition_id


class ApplicationContent(AcademyEvent):
    """What an application says, as submitted or as last amended."""

    cluster: ClusterProfile
    participants: list[Participant] = Field(min_length=3, max_length=3)
    motivations: BoundedText
    expectations: BoundedText
    can_advance_costs: bool
    """The cluster declares it can advance the costs (90% are reimbursed afterwards)."""
    commits_to_attend: bool
    """The participants commit to attend every session (attendance is compulsory)."""

    @model_validator(mode="after")
    def _one_manager_two_board_members(self) -> Self:
        problem = team_problem([(p.role, p.email) for p in self.participants])
        if problem:
            raise ValueError(problem)
        return self


class ApplicationSubmitted(ApplicationContent):
    """A cluster applied to an edition of the Academy (revision 1 of its application)."""

    submitted_at: UtcDateTime


class ApplicationUpdated(ApplicationContent):
    """The applicant amended the application before the deadline: the whole new content.
    ``revision`` grows by one per change (the submission is 1); a consumer keeps the highest."""

    revision: int = Field(ge=2)
    updated_at: UtcDateTime


class ApplicationWithdrawn(AcademyEvent):
    """The applicant withdrew the application before the deadline."""

    revision: int = Field(ge=2)
    reason: BoundedText | None = None
    withdrawn_at: UtcDateTime


class LinkRequested(AcademyEvent):
    """Someone asked, at the "lost your link?" page, for new links to be sent to an address
    this application names: every person of the application at that address gets their own
    fresh link by email. Raised only for a known address; the page answers the same either
    way."""

    email: EmailStr
    requested_at: UtcDateTime


class ScreeningReason(StrEnum):
    """Why an application is not eligible; stable codes that messages translate."""

    ECCP_MISSING = "eccp_missing"
    COUNTRY_INELIGIBLE = "country_ineligible"
    SECTOR_INELIGIBLE = "sector_ineligible"
    TEAM_INCOMPLETE = "team_incomplete"
    CANNOT_ADVANCE_COSTS = "cannot_advance_costs"
    NO_ATTENDANCE_COMMITMENT = "no_attendance_commitment"
    AFTER_DEADLINE = "submitted_after_deadline"


class ApplicationScreened(AcademyEvent):
    """The automatic eligibility check of one revision of an application."""

    revision: int = Field(ge=1)
    eligible: bool
    reasons: list[ScreeningReason] = Field(default_factory=list)
    """Every rule the application breaks; empty when eligible."""
    screened_at: UtcDateTime


class SelectionExplanation(ContractModel):
    """Why the selection placed a cluster where it did."""

    score: Decimal | None = None
    """The cluster's mean weighted review score."""
    rank: int | None = Field(default=None, ge=1)
    rank_in_country: int | None = Field(default=None, ge=1)
    rank_in_sector: int | None = Field(default=None, ge=1)
    binding_rules: list[ShortText] = Field(default_factory=list)
    """The balance rules that decided it, e.g. ``country_max:TN``."""
    summary: BoundedText | None = None


class ClusterSelected(AcademyEvent):
    """The selection committee selected a cluster for an edition; its three participants are
    expected at every session and may claim their costs."""

    cluster: ClusterProfile
    participants: list[Participant] = Field(min_length=1, max_length=3)
    selected_at: UtcDateTime
    offer_deadline: UtcDateTime | None = None
    """The cluster confirms its place before this instant, or the offer lapses."""
    explanation: SelectionExplanation | None = None


class ClusterWaitlisted(AcademyEvent):
    """The cluster is on the edition's waitlist, at ``waitlist_rank`` (1 is next in line)."""

    cluster: ClusterProfile
    participants: list[Participant] = Field(min_length=1, max_length=3)
    waitlist_rank: int = Field(ge=1)
    decided_at: UtcDateTime
    explanation: SelectionExplanation | None = None


class RejectionReason(StrEnum):
    NOT_ELIGIBLE = "not_eligible"
    NOT_SELECTED = "not_selected"
    OFFER_DECLINED = "offer_declined"
    OFFER_LAPSED = "offer_lapsed"


class ClusterRejected(AcademyEvent):
    """The cluster has no place in the edition (any earlier selection is revoked)."""

    cluster: ClusterProfile
    participants: list[Participant] = Field(min_length=1, max_length=3)
    reason: RejectionReason
    decided_at: UtcDateTime
    explanation: SelectionExplanation | None = None


def decision_time(event: ClusterSelected | ClusterRejected) -> datetime:
    """When selection decided a cluster's place: the newest decision about an application is
    the one in force, whichever order the two events arrive in."""
    return event.selected_at if isinstance(event, ClusterSelected) else event.decided_at


class OfferActor(StrEnum):
    """Who answered an offer: the applicant through their link, or staff on their behalf."""

    APPLICANT = "applicant"
    STAFF = "staff"


class OfferConfirmed(AcademyEvent):
    """A selected cluster confirmed its place before its offer deadline."""

    confirmed_at: UtcDateTime
    confirmed_by: OfferActor


class SessionAttended(AcademyEvent):
    """The check-in desk recorded a participant present at a session."""

    session_id: Identifier
    participant_id: Identifier
    attended_at: UtcDateTime


class AttendanceUndone(AcademyEvent):
    """The check-in desk struck out a check-in recorded by mistake: the participant did not
    attend the session after all (a certificate resting on it is revoked)."""

    session_id: Identifier
    participant_id: Identifier
    undone_at: UtcDateTime
    reason: BoundedText | None = None


class CompanyContact(ContractModel):
    full_name: ShortText
    email: EmailStr
    phone: Phone | None = None
    language: Language


class CompanyRegistered(IntegrationEvent):
    """A company registered for networking with the clusters (any country: the metropolis'
    own innovation players register too)."""

    company_id: Identifier
    edition_id: Identifier | None = None
    company_name: ShortText
    country: CountryAlpha2
    sector: Sector
    cluster_name: ShortText | None = None
    """The cluster the company belongs to, if any."""
    contact: CompanyContact
    interests: list[ShortText] = Field(default_factory=list, max_length=20)
    registered_at: UtcDateTime

    @property
    def key(self) -> str:
        return self.company_id


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


class DocumentsMissing(AcademyEvent):
    """A claim lacks supporting documents its expense lines require before it can be approved
    (90% is reimbursed only once all of them are in)."""

    claim_id: Identifier
    participant_id: Identifier
    missing: list[ShortText] = Field(min_length=1, max_length=50)
    """What each incomplete expense line lacks, as ``<line id> (<category>): <kinds>``."""
    noted_at: UtcDateTime


class ReimbursementApproved(AcademyEvent):
    """A claim is complete and approved: ``approved`` is the reimbursed share (90%) of the
    ``eligible`` costs. Both are in euros: each expense line is converted at the rate in force
    on its date, and the eligible total is capped per category."""

    claim_id: Identifier
    participant_id: Identifier
    eligible: Money
    approved: Money
    approved_at: UtcDateTime


class ReimbursementRejected(AcademyEvent):
    """Finance refused a claim (nothing of it will be reimbursed)."""

    claim_id: Identifier
    participant_id: Identifier
    reason: BoundedText
    rejected_at: UtcDateTime


class ReimbursementPaid(AcademyEvent):
    """The approved amount of a claim was paid to the participant."""

    claim_id: Identifier
    participant_id: Identifier
    amount: Money
    payment_reference: ShortText
    paid_at: UtcDateTime


class NotificationOutcome(IntegrationEvent):
    """What became of one message of the notification service. ``notification_id`` is the
    message's unique key (source event id, recipient, template) and the record key."""

    notification_id: Annotated[str, StringConstraints(min_length=1, max_length=400)]
    source_event_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    template: Identifier
    language: Language
    recipient: EmailStr
    application_id: Identifier | None = None
    attempts: int = Field(ge=1)

    @property
    def key(self) -> str:
        return self.notification_id


class NotificationDelivered(NotificationOutcome):
    """The SMTP server accepted the message."""

    delivered_at: UtcDateTime


class NotificationFailed(NotificationOutcome):
    """The message could not be delivered and will not be retried."""

    error: BoundedText
    failed_at: UtcDateTime


class PersonalDataErased(AcademyEvent):
    """An admin erased people of an application (added in v1.1): every service anonymises what
    it holds of them (names, emails, phones, bank details, identity documents, uploads) and
    keeps the counts and amounts audits need. It names the people by id only, never by the
    data erased; the application id is the key, so it follows that application's earlier
    events on its partition."""

    erasure_id: Identifier
    participant_ids: list[Identifier] = Field(min_length=1, max_length=3)
    erased_at: UtcDateTime


class CertificateIssued(AcademyEvent):
    """A participant who attended every session of an edition was issued a certificate of
    attendance; ``reference`` verifies it, and its PDF is served by the documents service."""

    reference: Identifier
    participant_id: Identifier
    full_name: ShortText
    email: EmailStr
    language: Language
    sessions_attended: int = Field(ge=1)
    issued_at: UtcDateTime


class CertificateRevoked(AcademyEvent):
    """A certificate no longer stands (an attendance it rested on was undone, or the cluster's
    place was withdrawn); verifying its reference says so from now on."""

    reference: Identifier
    participant_id: Identifier
    reason: ShortText
    revoked_at: UtcDateTime
