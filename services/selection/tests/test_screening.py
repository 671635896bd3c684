"""Eligibility screening: every rule, each with its stable reason code (no servers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from academy_contracts.events import ClusterProfile, ScreeningReason
from academy_contracts.values import Country, ParticipantRole, Sector
from academy_selection.domain.applications import Application
from academy_selection.domain.screening import Eligibility, reasons, screen


def _application(events: Any, **content: Any) -> Application:
    return Application.from_event(events.submitted(**content))


def test_an_application_keeping_every_rule_is_eligible(events: Any) -> None:
    application = _application(events)
    screening = screen(application, Eligibility(events.deadline), events.deadline)
    assert screening.eligible
    assert screening.reasons == []
    assert screening.revision == 1


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ({"can_advance_costs": False}, ScreeningReason.CANNOT_ADVANCE_COSTS),
        ({"commits_to_attend": False}, ScreeningReason.NO_ATTENDANCE_COMMITMENT),
        ({"late": True}, ScreeningReason.AFTER_DEADLINE),
    ],
)
def test_each_declaration_has_its_reason(
    events: Any, content: dict[str, Any], reason: ScreeningReason
) -> None:
    assert reasons(_application(events, **content), Eligibility(events.deadline)) == [reason]


def test_a_revision_at_the_deadline_itself_is_on_time(events: Any) -> None:
    application = _application(events).model_copy(update={"changed_at": events.deadline})
    assert reasons(application, Eligibility(events.deadline)) == []
    late = application.model_copy(update={"changed_at": events.deadline + timedelta(seconds=1)})
    assert reasons(late, Eligibility(events.deadline)) == [ScreeningReason.AFTER_DEADLINE]


def test_an_amendment_after_the_deadline_makes_the_revision_late(events: Any) -> None:
    submitted = events.submitted()
    amended = events.updated(submitted, 2, updated_at=events.deadline + timedelta(minutes=5))
    assert reasons(Application.from_event(amended), Eligibility(events.deadline)) == [
        ScreeningReason.AFTER_DEADLINE
    ]


def test_an_edition_may_admit_fewer_countries_and_sectors(events: Any) -> None:
    application = _application(events, country=Country.EGYPT, sector=Sector.HEALTH)
    narrow = Eligibility(
        events.deadline,
        countries=frozenset({Country.TUNISIA}),
        sectors=frozenset({Sector.ENERGY_ENVIRONMENT}),
    )
    assert reasons(application, narrow) == [
        ScreeningReason.COUNTRY_INELIGIBLE,
        ScreeningReason.SECTOR_INELIGIBLE,
    ]


def test_records_a_looser_producer_could_send_are_still_screened(events: Any) -> None:
    """The contract refuses a blank ECCP id and a wrong team, so build such a record past its
    validation: the screening must not rely on every producer validating."""
    application = _application(events)
    cluster = ClusterProfile.model_construct(
        **{**application.cluster.model_dump(), "eccp_id": "  "}
    )
    team = [
        p.model_copy(update={"role": ParticipantRole.CLUSTER_MANAGER})
        for p in application.participants
    ]
    broken = application.model_copy(update={"cluster": cluster, "participants": team})
    assert reasons(broken, Eligibility(events.deadline)) == [
        ScreeningReason.ECCP_MISSING,
        ScreeningReason.TEAM_INCOMPLETE,
    ]


def test_every_broken_rule_is_reported_at_once(events: Any) -> None:
    application = _application(events, can_advance_costs=False, commits_to_attend=False, late=True)
    screening = screen(application, Eligibility(events.deadline), events.deadline)
    assert not screening.eligible
    assert screening.reasons == [
        ScreeningReason.CANNOT_ADVANCE_COSTS,
        ScreeningReason.NO_ATTENDANCE_COMMITMENT,
        ScreeningReason.AFTER_DEADLINE,
    ]
