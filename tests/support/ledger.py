"""The kill -9 test's account of its requests: every HTTP attempt, which were answered 2xx, and
for each operation answered 2xx the effects it must have downstream (events, emails, stored
documents). A client retries as a real one would (same idempotency key, same body) while the
service is away; each attempt counts as a request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

Effect = tuple[str, str, str]
"""("event", event name, subject), ("mail", recipient, template) or ("document", pid, id)."""

Counter = Callable[[Effect], int]


@dataclass
class Operation:
    kind: str
    label: str
    attempts: int = 0
    answered_2xx: int = 0
    acked_at: float | None = None
    """Loop time of the first 2xx answer."""
    status: int | None = None
    """The last answer's status (None: no answer, a transport error)."""
    effects: list[Effect] = field(default_factory=list)

    @property
    def acked(self) -> bool:
        return self.acked_at is not None


@dataclass
class Ledger:
    """Every operation of one scenario, and a gate that bounds concurrent requests."""

    concurrency: int
    retry_for: float = 60.0
    operations: list[Operation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._gate = asyncio.Semaphore(self.concurrency)

    @property
    def requests(self) -> int:
        return sum(op.attempts for op in self.operations)

    @property
    def answered_2xx(self) -> int:
        return sum(op.answered_2xx for op in self.operations)

    async def call(
        self,
        kind: str,
        label: str,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        *,
        wait_on: frozenset[int] = frozenset(),
        retry_for: float | None = None,
        **request: Any,
    ) -> tuple[Operation, httpx.Response | None]:
        """One operation: retried after a transport error, a 5xx or one of ``wait_on`` (an
        answer that means "not yet": an event the service waits for), until a 2xx or a final
        answer; gives up after ``retry_for`` seconds (the ledger's, unless given)."""
        op = Operation(kind, label)
        self.operations.append(op)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.retry_for if retry_for is None else retry_for)
        while True:
            async with self._gate:
                op.attempts += 1
                try:
                    response: httpx.Response | None = await client.request(method, url, **request)
                except httpx.TransportError:
                    response = None
            op.status = None if response is None else response.status_code
            if response is not None and response.is_success:
                op.answered_2xx += 1
                op.acked_at = loop.time()
                return op, response
            final = response is not None and response.status_code < 500
            if (final and response is not None and response.status_code not in wait_on) or (
                loop.time() > deadline
            ):
                return op, response
            await asyncio.sleep(0.5)

    def refused(self) -> list[Operation]:
        """Operations never answered 2xx (a final refusal, or given up on)."""
        return [op for op in self.operations if not op.acked]

    def incomplete(self, count: Counter, *, acked_before: float | None = None) -> list[Operation]:
        """Operations answered 2xx (before ``acked_before``, when given) with an effect missing."""
        return [
            op
            for op in self.operations
            if op.acked_at is not None
            and (acked_before is None or op.acked_at <= acked_before)
            and any(count(e) == 0 for e in op.effects)
        ]

    def duplicated(self, count: Counter) -> list[Operation]:
        """Operations with an effect seen more than once (two events of one type about one
        thing under different ids, two emails to one recipient from one template)."""
        return [op for op in self.operations if any(count(e) > 1 for e in op.effects)]
