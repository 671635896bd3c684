"""The CloudEvents 1.0 envelope, carried in Kafka binary content mode.

Attributes travel as ``ce_*`` headers (``datacontenttype`` as ``content-type``), the event model
as the JSON body, and the event's key (mostly the application id) as the record key, so
integrators' CloudEvents tooling reads our topics as they are. The mapping itself is the CNCF
CloudEvents SDK's; this module adds the registry lookup, our extension attributes and the
validation of ``data`` against its model.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from cloudevents.core.bindings import http as ce_http
from cloudevents.core.bindings import kafka as ce_kafka
from cloudevents.core.exceptions import BaseCloudEventException
from cloudevents.core.v1.event import CloudEvent
from pydantic import ValidationError

from academy_contracts.events import IntegrationEvent
from academy_contracts.registry import EventSpec, UnknownEventType, spec_for, spec_for_type

E = TypeVar("E", bound=IntegrationEvent)

CONTENT_TYPE = "application/json"
CORRELATION_ATTR = "correlationid"
"""CloudEvents extension attribute carrying the id of the request that caused the event."""


class InvalidEvent(ValueError):
    """A Kafka record that is not a valid Academy event; it belongs on a dead-letter topic."""


@dataclass(frozen=True)
class KafkaRecord:
    """What goes on the wire: topic, key, JSON value and string headers."""

    topic: str
    key: bytes
    value: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Envelope(Generic[E]):
    """An event with its CloudEvents attributes."""

    data: E
    source: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None

    @property
    def spec(self) -> EventSpec:
        return spec_for(self.data)

    @property
    def type(self) -> str:
        return self.spec.event_type

    @property
    def subject(self) -> str:
        return self.data.key

    def _attributes(self) -> dict[str, object]:
        """The CloudEvents attributes, the same in every binding."""
        spec = self.spec
        attributes: dict[str, object] = {
            "id": self.id,
            "source": self.source,
            "type": spec.event_type,
            "specversion": "1.0",
            "time": self.time.astimezone(UTC),
            "subject": self.subject,
            "datacontenttype": CONTENT_TYPE,
            "dataschema": spec.dataschema,
        }
        if self.correlation_id:
            attributes[CORRELATION_ATTR] = self.correlation_id
        return attributes

    def to_structured_json(self) -> str:
        """The event as one CloudEvents structured-mode JSON document (what webhooks POST)."""
        data = json.loads(self.data.model_dump_json())
        return ce_http.to_structured_event(CloudEvent(self._attributes(), data)).body.decode()

    def to_kafka(self) -> KafkaRecord:
        message = ce_kafka.to_binary_event(
            CloudEvent(self._attributes(), self.data.model_dump_json().encode()),
            key_mapper=lambda _: self.subject,
        )
        return KafkaRecord(
            topic=self.spec.topic.value,
            key=self.subject.encode(),
            value=message.value,
            headers={k: v.decode() for k, v in message.headers.items()},
        )


def from_kafka(headers: dict[str, bytes], value: bytes) -> Envelope[IntegrationEvent]:
    """Read a binary-mode record back into an envelope, validating the body against the model
    its ``ce_type`` names. Raises :class:`InvalidEvent` with the reason otherwise."""
    try:
        event = ce_kafka.from_binary_event(
            ce_kafka.KafkaMessage(headers=headers, key=None, value=value)
        )
        spec = spec_for_type(event.get_type())
        data = spec.model.model_validate_json(value)
    except (BaseCloudEventException, UnknownEventType, ValidationError, ValueError) as exc:
        raise InvalidEvent(str(exc)) from exc
    extensions = event.get_extension(CORRELATION_ATTR)
    return Envelope(
        data=data,
        source=event.get_source(),
        id=event.get_id(),
        time=event.get_time() or datetime.now(UTC),
        correlation_id=str(extensions) if extensions else None,
    )
