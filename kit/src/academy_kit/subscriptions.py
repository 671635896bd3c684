"""A service's subscription table: which handlers run, in order, for each event type it consumes.

Each service keeps its table in ``handlers/subscriptions.py`` (cosmicpython's ``EVENT_HANDLERS``,
eShop's ``AddEventBusSubscriptions``), so a newcomer finds what the service does with every
event in one place. The topics the service reads follow from the table; events of other types on
those topics are skipped. One table is read by one consumer (see :func:`academy_kit.consumer.
subscribe` for why a service has a single consumer).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from faststream.kafka import KafkaBroker

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent, PersonalDataErased
from academy_contracts.registry import Topic, spec_for
from academy_kit import consumer
from academy_kit.settings import ServiceSettings

EventHandler = Callable[[Envelope[Any]], Awaitable[None]]
"""A handler of one event type, taking the envelope of that type (``Envelope[ClusterSelected]``)."""

Subscriptions = Mapping[type[IntegrationEvent], Sequence[EventHandler]]


def topics_of(table: Subscriptions) -> tuple[Topic, ...]:
    """The topics carrying the table's event types, in the registry's order; always
    PersonalDataErased's, which every service honours (:mod:`academy_kit.erasure`)."""
    types: list[type[IntegrationEvent]] = [*table, PersonalDataErased]
    wanted = {spec_for(event_type).topic for event_type in types}
    return tuple(topic for topic in Topic if topic in wanted)


def dispatcher(table: Subscriptions) -> consumer.Handler:
    """One consumer handler that runs the table's handlers for each event, in their order."""

    async def dispatch(envelope: Envelope[IntegrationEvent]) -> None:
        for handler in table.get(type(envelope.data), ()):
            await handler(envelope)

    return dispatch


def subscribe(broker: KafkaBroker, settings: ServiceSettings, table: Subscriptions) -> None:
    """Consume the table's topics in the service's group and dispatch each event by its type."""
    if table:
        consumer.subscribe(broker, topics_of(table), settings, dispatcher(table))
