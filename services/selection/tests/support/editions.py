"""An edition on in-memory stores, its applications screened, for the handlers' fast tests."""

from __future__ import annotations

from decimal import Decimal

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationSubmitted
from academy_contracts.values import Country
from academy_selection.domain.reviews import CommitteeMember, Criterion, ReviewPolicy
from services.selection.tests.support import memory
from services.selection.tests.support.events import Events

RUBRIC = ReviewPolicy(
    criteria=[
        Criterion(name="motivations", weight=Decimal(2)),
        Criterion(name="expectations", weight=Decimal(1), scale_min=0, scale_max=10),
    ],
    min_reviews=2,
    committee=[
        CommitteeMember(subject="amal@committee", country=Country.TUNISIA),
        CommitteeMember(subject="bruno@committee", country=Country.EGYPT),
        CommitteeMember(subject="chloe@committee"),
    ],
)
GOOD = {"motivations": 4, "expectations": 5}
"""Scores 66.67 on :data:`RUBRIC`: (2 x 3/4 + 1 x 5/10) / 3."""


async def admitted(
    events: Events,
    *applications: ApplicationSubmitted,
    capacity: int = 2,
    policy: ReviewPolicy = RUBRIC,
) -> memory.Service:
    """The handlers with the edition published, its review policy set, and the applications
    received and screened."""
    fast = memory.service()
    await fast.screener.record_edition(Envelope(events.edition(capacity=capacity), "test"))
    for application in applications:
        await fast.screener.record_application(Envelope(application, "test"))
    await fast.reviewing.set_review_policy(events.edition_id, policy)
    return fast
