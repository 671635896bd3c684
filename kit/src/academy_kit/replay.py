"""What a service offers to a replay of its projections (``academy replay``): its own
subscription table built on a database the replay names, with nothing leaving the process.

A replay rebuilds what a service learned from events by running the service's own handlers
(its :mod:`academy_kit.subscriptions` table) on the topics' records, into a fresh database, so
the projection code exists once. Each service's composition root gives a :class:`Replayable`:
the table on a given database, built with :data:`NO_RELAY` and :func:`no_kick` in place of its
outbox relay and dispatchers, and the collections that events rebuild. Whatever a handler writes
elsewhere (messages to send, webhook deliveries, certificates) is the live database's record of
what was done, not a projection: the replay drops it from the new database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from academy_kit.mongo import Document
from academy_kit.settings import ServiceSettings
from academy_kit.subscriptions import Subscriptions


class _NoRelay:
    """An outbox relay that is never told to publish: the entries a replayed handler writes stay
    in their documents until the replay removes them (the live service published them once)."""

    def kick(self, collection: str | None = None, document_id: Any = None) -> None:
        """Nothing is published from a replay."""


NO_RELAY = _NoRelay()


def no_kick() -> None:
    """A dispatcher's wake-up that wakes nothing: no mail or webhook call leaves a replay."""


@dataclass(frozen=True)
class Replayable:
    """A service's part in a replay.

    ``rebuilt`` names each collection the events rebuild, with the fields of its documents that
    the service's own staff write and no event carries (selection's review policy on an
    edition): a swap copies those fields, and every collection not named, from the live
    database. ``about`` says, for ``academy replay --help``, what is rebuilt and what is not."""

    settings: ServiceSettings
    rebuilt: Mapping[str, tuple[str, ...]]
    about: str
    subscriptions: Callable[[AsyncDatabase[Document]], Awaitable[Subscriptions]]
