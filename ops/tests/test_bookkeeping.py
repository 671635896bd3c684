"""The ``academy`` command's own rules, without servers: how a record is decoded for an operator
(a poison record too), and how a redrive records what it moved so it never moves it twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationWithdrawn
from academy_ops.dead_letters import MovedOffsets
from academy_ops.records import Record, decode


def _record(value: bytes, headers: dict[str, str], key: bytes = b"app-1") -> Record:
    return ConsumerRecord(
        "academy.applications", 2, 41, 0, 0, key, value, None, len(key), len(value),
        [(k, v.encode()) for k, v in headers.items()],
    )  # fmt: skip


def test_a_valid_record_is_decoded_through_the_registry() -> None:
    at = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    event = ApplicationWithdrawn(
        application_id="app-1", edition_id="ed", revision=2, withdrawn_at=at
    )
    wire = Envelope(data=event, source="/tests", time=at).to_kafka()

    item = decode(_record(wire.value, wire.headers))

    assert (item.type, item.key, item.subject, item.time) == (
        "org.euromed.academy.application.withdrawn.v1",
        "app-1",
        "app-1",
        at,
    )
    assert item.body["revision"] == 2
    assert item.error is None


def test_a_poison_record_is_shown_raw_with_the_reason() -> None:
    item = decode(_record(b"not json {", {"ce_type": "org.euromed.academy.nope.v1", "ce_id": "x"}))

    assert (item.type, item.id, item.body, item.time) == (
        "org.euromed.academy.nope.v1",
        "x",
        "not json {",
        None,
    )
    assert item.error


def test_offsets_moved_out_of_order_are_kept_until_the_gap_closes() -> None:
    moved = MovedOffsets(10, "")
    moved.add(12)
    moved.add(13)

    assert moved.commit() == (10, "12,13")
    assert 9 in moved
    assert 12 in moved
    assert 11 not in moved

    moved.add(10)
    assert moved.commit() == (11, "12,13")
    moved.add(11)
    assert moved.commit() == (14, "")


def test_the_record_of_a_redrive_survives_its_commit() -> None:
    before = MovedOffsets(10, "")
    before.add(15)
    again = MovedOffsets(*before.commit())

    assert [o for o in range(8, 18) if o in again] == [8, 9, 15]


def test_too_many_scattered_offsets_to_record_are_refused() -> None:
    moved = MovedOffsets(0, "")
    for offset in range(1, 4000, 2):
        moved.add(offset)
    with pytest.raises(OverflowError):
        moved.commit()
