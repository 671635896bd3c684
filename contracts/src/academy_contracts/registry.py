"""The registry of topics and event types: the one place that says which versioned CloudEvents
type a model is published as, and on which Kafka topic.

Topics group the events of one stream of the story, each keyed by its event's ``key`` (the
application id, but the edition, company or message id where the event is about one of those),
so one cluster's events keep their order. Each topic has a dead-letter topic for messages a
consumer cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    AttendanceUndone,
    CertificateIssued,
    CertificateRevoked,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    CompanyRegistered,
    DocumentsMissing,
    EditionPublished,
    ExpenseClaimed,
    IntegrationEvent,
    LinkRequested,
    NotificationDelivered,
    NotificationFailed,
    OfferConfirmed,
    PersonalDataErased,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
    SessionAttended,
)

TYPE_PREFIX = "org.euromed.academy"
DEAD_LETTER_SUFFIX = ".dlt"


class Topic(StrEnum):
    EDITIONS = "academy.editions"
    COMPANIES = "academy.companies"
    APPLICATIONS = "academy.applications"
    SELECTION = "academy.selection"
    ATTENDANCE = "academy.attendance"
    REIMBURSEMENT = "academy.reimbursement"
    NOTIFICATIONS = "academy.notifications"
    DOCUMENTS = "academy.documents"


TOPIC_DESCRIPTIONS = {
    Topic.EDITIONS: "Editions of the Academy as staff set them, keyed by edition id.",
    Topic.COMPANIES: "Company registrations, keyed by company id.",
    Topic.APPLICATIONS: "Applications submitted, updated, withdrawn, screened; people erased.",
    Topic.SELECTION: "Selection decisions: selected, waitlisted, rejected; offers confirmed.",
    Topic.ATTENDANCE: "Session check-ins of selected participants, and check-ins undone.",
    Topic.REIMBURSEMENT: "Expense claims and their reimbursement.",
    Topic.NOTIFICATIONS: "Outcomes of the messages sent to applicants, participants and staff.",
    Topic.DOCUMENTS: "Certificates of attendance issued and revoked.",
}


@dataclass(frozen=True)
class EventSpec:
    """One versioned event type: its model, its topic, and what it means."""

    event_type: str
    model: type[IntegrationEvent]
    topic: Topic
    summary: str

    @property
    def name(self) -> str:
        return self.model.__name__

    @property
    def version(self) -> str:
        return self.event_type.rsplit(".", 1)[1]

    @property
    def dataschema(self) -> str:
        """The CloudEvents ``dataschema`` URI naming the exported JSON Schema."""
        return f"urn:cluster-academy:schema:{self.event_type}"


EVENTS: tuple[EventSpec, ...] = (
    EventSpec(
        f"{TYPE_PREFIX}.edition.published.v1",
        EditionPublished,
        Topic.EDITIONS,
        "An edition of the Academy was created or changed (its whole new state).",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.company.registered.v1",
        CompanyRegistered,
        Topic.COMPANIES,
        "A company registered for networking with the clusters.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.application.submitted.v1",
        ApplicationSubmitted,
        Topic.APPLICATIONS,
        "A cluster applied to an edition of the Academy.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.application.updated.v1",
        ApplicationUpdated,
        Topic.APPLICATIONS,
        "The applicant amended the application before the deadline.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.application.withdrawn.v1",
        ApplicationWithdrawn,
        Topic.APPLICATIONS,
        "The applicant withdrew the application before the deadline.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.link.requested.v1",
        LinkRequested,
        Topic.APPLICATIONS,
        "Someone asked for new personal links to be sent to an address the application names.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.personal_data.erased.v1",
        PersonalDataErased,
        Topic.APPLICATIONS,
        "An admin erased people of an application; every service anonymises them.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.application.screened.v1",
        ApplicationScreened,
        Topic.APPLICATIONS,
        "The eligibility check of an application, with its reasons.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.cluster.selected.v1",
        ClusterSelected,
        Topic.SELECTION,
        "A cluster was selected for an edition.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.cluster.waitlisted.v1",
        ClusterWaitlisted,
        Topic.SELECTION,
        "A cluster was put on an edition's waitlist.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.cluster.rejected.v1",
        ClusterRejected,
        Topic.SELECTION,
        "A cluster has no place in an edition (not selected, or its offer declined or lapsed).",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.offer.confirmed.v1",
        OfferConfirmed,
        Topic.SELECTION,
        "A selected cluster confirmed its place in an edition.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.session.attended.v1",
        SessionAttended,
        Topic.ATTENDANCE,
        "A participant was checked in at a session.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.attendance.undone.v1",
        AttendanceUndone,
        Topic.ATTENDANCE,
        "A check-in recorded by mistake was struck out.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.expense.claimed.v1",
        ExpenseClaimed,
        Topic.REIMBURSEMENT,
        "A participant claimed costs they advanced.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.documents.missing.v1",
        DocumentsMissing,
        Topic.REIMBURSEMENT,
        "A claim lacks supporting documents; they are listed.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.reimbursement.approved.v1",
        ReimbursementApproved,
        Topic.REIMBURSEMENT,
        "A claim was approved: 90% of its eligible costs will be reimbursed.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.reimbursement.rejected.v1",
        ReimbursementRejected,
        Topic.REIMBURSEMENT,
        "A claim was refused.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.reimbursement.paid.v1",
        ReimbursementPaid,
        Topic.REIMBURSEMENT,
        "The approved amount of a claim was paid.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.notification.delivered.v1",
        NotificationDelivered,
        Topic.NOTIFICATIONS,
        "A message was accepted by the mail server.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.notification.failed.v1",
        NotificationFailed,
        Topic.NOTIFICATIONS,
        "A message could not be delivered and will not be retried.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.certificate.issued.v1",
        CertificateIssued,
        Topic.DOCUMENTS,
        "A participant who attended every session was issued a certificate of attendance.",
    ),
    EventSpec(
        f"{TYPE_PREFIX}.certificate.revoked.v1",
        CertificateRevoked,
        Topic.DOCUMENTS,
        "A certificate of attendance was revoked.",
    ),
)

_BY_TYPE = {spec.event_type: spec for spec in EVENTS}
_BY_MODEL = {spec.model: spec for spec in EVENTS}


class UnknownEventType(LookupError):
    pass


def spec_for_type(event_type: str) -> EventSpec:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise UnknownEventType(f"unknown event type {event_type!r}") from None


def spec_for(event: IntegrationEvent | type[IntegrationEvent]) -> EventSpec:
    model = event if isinstance(event, type) else type(event)
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise UnknownEventType(f"{model.__name__} is not a registered event") from None


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DEAD_LETTER_SUFFIX}"


def all_topics() -> list[str]:
    """Every topic the system uses, dead-letter topics included, for creating them up front."""
    return [name for topic in Topic for name in (topic.value, dead_letter_topic(topic.value))]
