"""The event contracts: wire format, validation rules, exported schemas and their evolution."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from academy_contracts import export
from academy_contracts.envelope import Envelope, InvalidEvent, from_kafka
from academy_contracts.events import ApplicationSubmitted, ClusterProfile, ExpenseClaimed
from academy_contracts.registry import EVENTS, all_topics, spec_for
from academy_contracts.values import Country, Currency, Money, Sector


def _participants(**override: Any) -> list[dict[str, Any]]:
    people = [
        {
            "participant_id": "p1",
            "role": "cluster_manager",
            "full_name": "Amira",
            "email": "amira@example.tn",
            "language": "fr",
        },
        {
            "participant_id": "p2",
            "role": "board_member",
            "full_name": "Karim",
            "email": "karim@example.tn",
            "language": "fr",
        },
        {
            "participant_id": "p3",
            "role": "board_member",
            "full_name": "Sarah",
            "email": "sarah@example.tn",
            "language": "en",
        },
    ]
    people[2].update(override)
    return people


def _submitted(**override: Any) -> ApplicationSubmitted:
    fields: dict[str, Any] = {
        "application_id": "app-1",
        "edition_id": "2023",
        "cluster": ClusterProfile(
            name="Pôle", country=Country.TUNISIA, sector=Sector.HEALTH, eccp_id="eccp-1"
        ),
        "participants": _participants(),
        "motivations": "m",
        "expectations": "e",
        "can_advance_costs": True,
        "commits_to_attend": True,
        "submitted_at": datetime(2023, 10, 1, 12, tzinfo=UTC),
    }
    fields.update(override)
    return ApplicationSubmitted.model_validate(fields)


def _wire(envelope: Envelope[Any]) -> tuple[dict[str, bytes], bytes]:
    record = envelope.to_kafka()
    return {k: v.encode() for k, v in record.headers.items()}, record.value


def test_envelope_round_trips_in_kafka_binary_mode() -> None:
    envelope = Envelope(data=_submitted(), source="/services/registration", correlation_id="c-1")
    record = envelope.to_kafka()
    assert record.topic == "academy.applications"
    assert record.key == b"app-1"
    assert record.headers["ce_type"] == "org.euromed.academy.application.submitted.v1"
    assert record.headers["ce_time"].endswith("Z")
    back = from_kafka(*_wire(envelope))
    assert (back.id, back.data, back.correlation_id) == (envelope.id, envelope.data, "c-1")


def test_structured_json_carries_the_same_attributes_and_the_body_as_json() -> None:
    envelope = Envelope(data=_submitted(), source="/services/registration", correlation_id="c-1")
    document = json.loads(envelope.to_structured_json())
    headers = envelope.to_kafka().headers
    for name in ("id", "source", "type", "subject", "time", "dataschema", "correlationid"):
        assert document[name] == headers[f"ce_{name}"]
    assert document["datacontenttype"] == "application/json"
    assert ApplicationSubmitted.model_validate(document["data"]) == envelope.data


@pytest.mark.parametrize(
    ("headers", "value", "reason"),
    [
        ({"ce_type": b"org.euromed.academy.nope.v1"}, b"{}", "unknown event type"),
        ({}, b"not json", "Invalid JSON"),
        ({}, b'{"application_id": "a"}', "cluster"),
        ({"ce_specversion": b"0.1"}, None, "specversion"),
    ],
)
def test_unreadable_records_raise_invalid_event(
    headers: dict[str, bytes], value: bytes | None, reason: str
) -> None:
    good_headers, good_value = _wire(Envelope(data=_submitted(), source="/t"))
    with pytest.raises(InvalidEvent, match=reason):
        from_kafka({**good_headers, **headers}, good_value if value is None else value)


def test_times_must_carry_a_timezone_and_are_normalised_to_utc() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        _submitted(submitted_at=datetime(2023, 10, 1, 12))  # noqa: DTZ001 - the point of the test
    paris = _submitted(
        submitted_at=datetime(2023, 10, 15, 23, 59, tzinfo=timezone(timedelta(hours=2)))
    )
    assert paris.submitted_at == datetime(2023, 10, 15, 21, 59, tzinfo=UTC)
    assert paris.submitted_at.tzinfo == UTC


@pytest.mark.parametrize(
    ("participants", "message"),
    [
        (_participants(role="cluster_manager"), "one cluster_manager and two board_member"),
        (_participants(email="KARIM@example.tn"), "distinct emails"),
        (_participants()[:2], "at least 3"),
    ],
)
def test_an_application_names_one_manager_and_two_board_members(
    participants: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _submitted(participants=participants)


def test_ineligible_country_and_sector_are_refused() -> None:
    with pytest.raises(ValidationError, match="'DZ', 'EG', 'JO', 'LB', 'MA', 'PS' or 'TN'"):
        ClusterProfile(name="X", country="FR", sector="health", eccp_id="e")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="sector"):
        ClusterProfile(name="X", country="TN", sector="textile", eccp_id="e")  # type: ignore[arg-type]


@given(
    amount=st.decimals(
        min_value=0,
        max_value=Decimal("999999999999.99"),
        places=2,
        allow_nan=False,
        allow_infinity=False,
    ),
    currency=st.sampled_from(Currency),
)
def test_money_travels_as_an_exact_decimal_string(amount: Decimal, currency: Currency) -> None:
    money = Money(amount=amount, currency=currency)
    wire = json.loads(money.model_dump_json())
    assert isinstance(wire["amount"], str)
    assert Money.model_validate_json(money.model_dump_json()) == money


def test_money_refuses_floats_finer_than_cents_and_negatives() -> None:
    with pytest.raises(ValidationError):
        Money(amount=Decimal("1.005"), currency=Currency.EUR)
    with pytest.raises(ValidationError):
        Money(amount=Decimal("-1"), currency=Currency.EUR)


def test_every_event_type_is_versioned_registered_and_has_a_topic_with_dead_letters() -> None:
    types = [spec.event_type for spec in EVENTS]
    assert len(set(types)) == len(types)
    for spec in EVENTS:
        assert spec.event_type.startswith("org.euromed.academy.")
        assert spec.version == "v1"
        assert spec.topic.value in all_topics()
        assert f"{spec.topic.value}.dlt" in all_topics()
        assert spec_for(spec.model) is spec
    assert spec_for(ExpenseClaimed).topic.value == "academy.reimbursement"


def test_committed_schemas_are_up_to_date() -> None:
    assert export.stale_files() == [], "run: uv run academy-contracts export"


def test_export_writes_every_schema_and_an_asyncapi_3_document(tmp_path: Path) -> None:
    written = export.export(tmp_path)
    assert len(written) == len(EVENTS) + 1
    doc = json.loads((tmp_path / export.ASYNCAPI_FILE).read_text())
    assert doc["asyncapi"] == "3.0.0"
    assert {c["address"] for c in doc["channels"].values()} >= {s.topic.value for s in EVENTS}
    for spec in EVENTS:
        assert spec.name in doc["components"]["messages"]
    assert export.stale_files(tmp_path) == []


SUBMITTED = next(s for s in EVENTS if s.name == "ApplicationSubmitted")


def _mutated(change: Any) -> dict[str, Any]:
    schema = copy.deepcopy(export.event_schema(SUBMITTED))
    change(schema)
    return schema


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["properties"].pop("motivations"), "$.motivations: removed"),
        (
            lambda s: (
                s["required"].append("new_field")
                or s["properties"].update(new_field={"type": "string"})
            ),
            "$.new_field: became required",
        ),
        (lambda s: s["$defs"]["Country"]["enum"].remove("PS"), "$.cluster.country: enum changed"),
        (
            lambda s: s["$defs"]["Participant"]["properties"]["email"].update(type="integer"),
            "$.participants[].email: type changed",
        ),
    ],
)
def test_breaking_changes_are_detected(change: Any, expected: str) -> None:
    problems = export.breaking_changes(export.event_schema(SUBMITTED), _mutated(change))
    assert any(p.startswith(expected) for p in problems), problems


def test_an_added_optional_field_is_compatible() -> None:
    new = _mutated(lambda s: s["properties"].update(website={"type": "string"}))
    assert export.breaking_changes(export.event_schema(SUBMITTED), new) == []


def test_export_refuses_to_overwrite_with_a_breaking_change(tmp_path: Path) -> None:
    export.export(tmp_path)
    path = tmp_path / export.schema_file(SUBMITTED)
    committed = json.loads(path.read_text())
    committed["properties"]["legacy_field"] = {"type": "string"}
    path.write_text(json.dumps(committed))
    with pytest.raises(ValueError, match="legacy_field: removed"):
        export.export(tmp_path)
