"""The subscription table behind the service's Kafka consumer, run in memory by FastStream's
TestKafkaBroker (the fast tier): each event type reaches its projection as the CloudEvents
record other services publish."""

from __future__ import annotations

import uuid

from faststream.kafka import TestKafkaBroker

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit import consumer, subscriptions
from academy_reimbursement.handlers.cohort import CohortProjection
from academy_reimbursement.handlers.subscriptions import subscriptions as table_of
from academy_reimbursement.settings import ReimbursementSettings

from .support.cohort import Cohort
from .support.stores import MemoryCohort


async def test_the_consumer_records_each_event_through_the_table() -> None:
    settings = ReimbursementSettings()
    broker = consumer.broker_for(settings)
    store = MemoryCohort()
    subscriptions.subscribe(broker, settings, table_of(CohortProjection(store)))
    cohort = Cohort(f"ed-{uuid.uuid4().hex[:8]}")
    pid = cohort.participant_ids[0]
    events: list[IntegrationEvent] = [
        cohort.edition(),
        cohort.selected(),
        cohort.attended(pid, "s1"),
        cohort.attended(pid, "s2"),
        cohort.undone(pid, "s2"),
        cohort.rejected(),
    ]
    async with TestKafkaBroker(broker) as test_broker:
        for event in events:
            record = Envelope(data=event, source="/academy/test").to_kafka()
            await test_broker.publish(
                record.value, record.topic, key=record.key, headers=record.headers
            )
    sessions = await store.sessions(cohort.edition_id) or []
    assert [s.session_id for s in sessions] == ["s1", "s2"]
    assert await store.attended(cohort.edition_id, pid) == {"s1"}  # s2's check-in was undone
    claimant = await store.claimant(cohort.application_id, pid)
    assert claimant is not None
    assert not claimant.selected  # the rejection came after the selection
