"""What the documents service does with each event it consumes, in one table."""

from __future__ import annotations

from academy_contracts.events import (
    AttendanceUndone,
    ClusterRejected,
    ClusterSelected,
    EditionPublished,
    SessionAttended,
)
from academy_documents.handlers.projections import CohortProjection
from academy_kit.subscriptions import Subscriptions


def subscriptions(cohort: CohortProjection) -> Subscriptions:
    return {
        EditionPublished: [cohort.record_edition],
        ClusterSelected: [cohort.record_decision],
        ClusterRejected: [cohort.record_decision],
        SessionAttended: [cohort.record_presence],
        AttendanceUndone: [cohort.record_presence],
    }
