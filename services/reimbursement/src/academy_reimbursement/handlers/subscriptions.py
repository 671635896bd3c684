"""What the reimbursement service does with each event it consumes, in one table."""

from __future__ import annotations

from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    SessionAttended,
)
from academy_kit.subscriptions import Subscriptions
from academy_reimbursement.handlers.cohort import CohortProjection


def subscriptions(cohort: CohortProjection) -> Subscriptions:
    return {
        ClusterSelected: [cohort.record_decision],
        ClusterRejected: [cohort.record_decision],
        EditionPublished: [cohort.record_edition],
        SessionAttended: [cohort.record_attendance],
        AttendanceUndone: [cohort.record_attendance],
    }
