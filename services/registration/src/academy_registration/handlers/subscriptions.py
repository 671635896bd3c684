"""What registration does with each event it consumes, in one table."""

from __future__ import annotations

from academy_contracts.events import ClusterRejected, ClusterSelected
from academy_kit.subscriptions import Subscriptions
from academy_registration.handlers.admissions import Admissions


def subscriptions(admissions: Admissions) -> Subscriptions:
    return {
        ClusterSelected: [admissions.admit],
        ClusterRejected: [admissions.revoke],
    }
