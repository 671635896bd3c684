"""What the documents service does with each event it consumes, in one table."""

from __future__ import annotations

from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    EditionPublished,
    ExpenseClaimed,
    OfferConfirmed,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
    SessionAttended,
)
from academy_documents.handlers.projections import CohortProjection
from academy_documents.handlers.report import FunderReports
from academy_kit.subscriptions import Subscriptions


def subscriptions(cohort: CohortProjection, report: FunderReports) -> Subscriptions:
    return {
        EditionPublished: [cohort.record_edition],
        ApplicationSubmitted: [report.record_content],
        ApplicationUpdated: [report.record_content],
        ApplicationWithdrawn: [report.record_withdrawal],
        ApplicationScreened: [report.record_screening],
        ClusterSelected: [cohort.record_decision, report.record_decision],
        ClusterWaitlisted: [report.record_decision],
        ClusterRejected: [cohort.record_decision, report.record_decision],
        OfferConfirmed: [report.record_confirmation],
        SessionAttended: [cohort.record_presence],
        AttendanceUndone: [cohort.record_presence],
        ExpenseClaimed: [report.record_claim],
        ReimbursementApproved: [report.record_claim],
        ReimbursementRejected: [report.record_claim],
        ReimbursementPaid: [report.record_claim],
    }
