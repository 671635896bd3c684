"""One lifespan for every service: its database, its outbox relay, its subscription table, its
background work, and the consumer, in the order they must start and stop. Every service's table
honours PersonalDataErased (:mod:`academy_kit.erasure`), added here so none can leave it out.

A service's composition root (``entrypoints/main.py``) gives a ``wire`` function that builds
the stores and handlers on the database and relay, puts what routes need in ``app.state``, and
returns a :class:`Wiring`. Nothing connects before the lifespan starts.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit import consumer, erasure, subscriptions, supervision, web
from academy_kit.mongo import Document, connected
from academy_kit.outbox import OutboxRelay
from academy_kit.settings import ServiceSettings


@dataclass(frozen=True)
class Wiring:
    """What a service runs besides its routes: the handlers of the events it consumes and its
    long-running tasks by name (the outbox relay and the consumer-lag gauge are added for every
    service)."""

    subscriptions: subscriptions.Subscriptions
    tasks: Mapping[str, supervision.Work] = field(default_factory=dict)


Wire = Callable[[FastAPI, AsyncDatabase[Document], OutboxRelay], Awaitable[Wiring]]


def lifespan(
    settings: ServiceSettings,
    broker: KafkaBroker,
    outbox_collections: Sequence[str],
    wire: Wire,
) -> Callable[[FastAPI], contextlib.AbstractAsyncContextManager[None]]:
    """The lifespan of a service whose documents in ``outbox_collections`` carry outbox
    entries. HTTP is served while Kafka is unreachable (the consumer starts once it answers)."""

    @contextlib.asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with connected(settings) as db:
            app.state.db = db
            relay = OutboxRelay(db, outbox_collections, settings)
            wiring = await wire(app, db, relay)
            table = erasure.honoured(wiring.subscriptions, erasure.Eraser(db))
            subscriptions.subscribe(broker, settings, table)
            work: dict[str, supervision.Work] = {
                "outbox_relay": relay.run,
                "consumer_lag": functools.partial(consumer.measure_lag, broker, settings),
                **wiring.tasks,
            }
            async with web.background(**work), consumer.running(broker):
                yield

    return run
