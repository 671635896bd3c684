"""Intake and screening by the handlers on in-memory stores, and the subscription table routing
registration's events to them through FastStream's in-memory broker (no servers)."""

from __future__ import annotations

from typing import TypeVar

import pytest
from faststream.kafka import TestKafkaBroker

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationScreened, IntegrationEvent
from academy_contracts.values import Country, Sector
from academy_kit import consumer
from academy_kit.subscriptions import subscribe
from academy_selection.domain.applications import ApplicationStatus
from academy_selection.domain.failures import NotScreened, UnknownApplication
from academy_selection.handlers.subscriptions import subscriptions
from academy_selection.settings import SelectionSettings
from services.selection.tests.support import memory
from services.selection.tests.support.events import Events

E = TypeVar("E", bound=IntegrationEvent)


def _from_registration(event: E) -> Envelope[E]:
    return Envelope(event, "registration-test")


def _screened(outbox: memory.Outbox) -> dict[str, list[ApplicationScreened]]:
    found: dict[str, list[ApplicationScreened]] = {}
    for event in outbox.events():
        if isinstance(event, ApplicationScreened):
            found.setdefault(event.application_id, []).append(event)
    return found


async def test_applications_wait_for_their_edition_then_are_screened_with_reasons(
    events: Events,
) -> None:
    fast = memory.service()
    fine = events.submitted()
    no_costs = events.submitted(can_advance_costs=False, commits_to_attend=False)
    late = events.submitted(late=True)
    for application in (fine, no_costs, late):
        await fast.screener.record_application(_from_registration(application))
    assert _screened(fast.outbox) == {}
    assert fast.outbox.kicked == []  # nothing written to publish yet
    assert set(fast.applications.waiting) == {fine.key, no_costs.key, late.key}

    await fast.screener.record_edition(_from_registration(events.edition()))
    after = events.submitted(country=Country.EGYPT, sector=Sector.MARITIME_LOGISTICS)
    await fast.screener.record_application(_from_registration(after))

    screened = _screened(fast.outbox)
    assert {key: [e.reasons for e in found] for key, found in screened.items()} == {
        fine.key: [[]],
        no_costs.key: [["cannot_advance_costs", "no_attendance_commitment"]],
        late.key: [["submitted_after_deadline"]],
        after.key: [[]],
    }
    assert all(e.eligible == (not e.reasons) for [e] in screened.values())
    # One kick per application screened, naming its document, so the relay reads each by _id.
    assert sorted(fast.outbox.kicked) == sorted(
        ("applications", key) for key in (fine.key, no_costs.key, late.key, after.key)
    )
    assert fast.applications.waiting == {}
    stored = fast.applications.stored[no_costs.key]
    assert stored.screening is not None
    assert not stored.eligible


async def test_redelivery_and_a_late_older_update_change_nothing(events: Events) -> None:
    fast = memory.service()
    submitted = events.submitted()
    newest = events.updated(submitted, 3, motivations="The newest motivations.")
    older = events.updated(submitted, 2, motivations="Older motivations, arriving late.")
    await fast.screener.record_edition(_from_registration(events.edition()))
    first = _from_registration(submitted)
    for envelope in (first, first, _from_registration(newest), _from_registration(older)):
        await fast.screener.record_application(envelope)
    await fast.screener.record_withdrawal(_from_registration(events.withdrawn(submitted.key, 4)))

    stored = fast.applications.stored[submitted.key]
    assert (stored.revision, stored.status) == (4, ApplicationStatus.WITHDRAWN)
    assert stored.motivations == "The newest motivations."
    assert stored.submitted_at == submitted.submitted_at
    assert [e.revision for e in _screened(fast.outbox)[submitted.key]] == [1, 3]


async def test_the_subscription_table_routes_registrations_events_to_their_handlers(
    events: Events,
) -> None:
    fast = memory.service()
    settings = SelectionSettings()
    broker = consumer.broker_for(settings)
    subscribe(broker, settings, subscriptions(fast.screener, fast.offers))
    submitted = events.submitted()
    async with TestKafkaBroker(broker) as test_broker:
        for event in (events.edition(), submitted, events.withdrawn(submitted.key, 2)):
            record = _from_registration(event).to_kafka()
            await test_broker.publish(
                record.value, record.topic, key=record.key, headers=record.headers
            )

    assert events.edition_id in fast.editions.stored
    stored = fast.applications.stored[submitted.key]
    assert (stored.revision, stored.status) == (2, ApplicationStatus.WITHDRAWN)
    assert [e.revision for e in _screened(fast.outbox)[submitted.key]] == [1]


async def test_the_applicants_read_of_the_screening_waits_for_it(events: Events) -> None:
    fast = memory.service()
    no_costs = events.submitted(can_advance_costs=False)
    await fast.screener.record_application(_from_registration(no_costs))
    with pytest.raises(UnknownApplication):
        await fast.offers.screening("app-never-sent")
    with pytest.raises(NotScreened):
        await fast.offers.screening(no_costs.key)

    await fast.screener.record_edition(_from_registration(events.edition()))
    screening = await fast.offers.screening(no_costs.key)
    assert (screening.eligible, screening.reasons) == (False, ["cannot_advance_costs"])
