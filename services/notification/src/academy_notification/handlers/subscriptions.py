"""What the notification service does with each event, in order: keep what it needs to know
(projections), record the messages the event causes, and forward the event to integrators'
webhooks. Webhooks may subscribe to any event type, so every registered type is in the table,
and the service reads every topic."""

from __future__ import annotations

from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    DocumentsMissing,
    EditionPublished,
    ExpenseClaimed,
    IntegrationEvent,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
    SessionAttended,
)
from academy_contracts.registry import EVENTS
from academy_kit.subscriptions import EventHandler, Subscriptions
from academy_notification.domain.drafting import DRAFTED_FROM
from academy_notification.handlers.projections import Projections
from academy_notification.handlers.recording import EventMessages
from academy_notification.handlers.webhooks import Webhooks


def subscriptions(
    projections: Projections, messages: EventMessages, webhooks: Webhooks
) -> Subscriptions:
    remember: dict[type[IntegrationEvent], EventHandler] = {
        EditionPublished: projections.edition_published,
        ApplicationSubmitted: projections.application_submitted,
        ApplicationUpdated: projections.application_updated,
        ApplicationWithdrawn: projections.application_withdrawn,
        ApplicationScreened: projections.application_screened,
        ClusterSelected: projections.cluster_selected,
        ClusterWaitlisted: projections.cluster_waitlisted,
        ClusterRejected: projections.cluster_rejected,
        SessionAttended: projections.session_attended,
        ExpenseClaimed: projections.expense_claimed,
        DocumentsMissing: projections.documents_missing,
        ReimbursementApproved: projections.reimbursement_approved,
        ReimbursementRejected: projections.reimbursement_rejected,
        ReimbursementPaid: projections.reimbursement_paid,
    }
    table: dict[type[IntegrationEvent], list[EventHandler]] = {}
    for spec in EVENTS:
        handlers = [remember[spec.model]] if spec.model in remember else []
        if spec.model in DRAFTED_FROM:
            handlers.append(messages.draft_and_record)
        table[spec.model] = [*handlers, webhooks.forward]
    return table
