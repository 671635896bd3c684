"""Background tasks survive (issue 12): a task that dies is logged with its traceback, counted,
restarted with backoff, and reported by readiness while it keeps dying; never silently gone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from pymongo.errors import AutoReconnect

from academy_kit import consumer, health, web
from academy_kit.mongo import connected
from academy_kit.settings import ServiceSettings
from academy_kit.supervision import Backoff, supervise


async def _holds(condition: bool) -> bool:
    return condition


async def test_a_task_that_keeps_dying_is_restarted_and_reported_until_a_run_lasts(
    caplog: pytest.LogCaptureFixture, eventually: Any
) -> None:
    status = health.Health("supervision-test")
    runs: list[str] = []
    recovered = asyncio.Event()

    async def relay() -> None:
        runs.append("run")
        if len(runs) <= 3:
            raise AutoReconnect("connection closed")
        recovered.set()
        await asyncio.Event().wait()  # healthy from now on

    backoff = Backoff(first=0.01, longest=0.05, healthy_seconds=0.3, stuck_after=3)
    with health.scope(status), caplog.at_level(logging.WARNING, "academy_kit.supervision"):
        task = asyncio.create_task(supervise("outbox_relay", relay, backoff))
        await recovered.wait()
        assert status.stuck() == {
            "outbox_relay": "died 3 times in a row, last: AutoReconnect: connection closed"
        }
        # The fourth run lasts healthy_seconds: the report is taken back.
        await eventually(lambda: _holds(not status.stuck()), timeout=10)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert len(runs) == 4
    deaths = [r for r in caplog.records if r.getMessage() == "background task outbox_relay died"]
    assert len(deaths) == 3
    assert all(r.exc_info is not None for r in deaths)  # each with its traceback
    restarts = REGISTRY.get_sample_value(
        "academy_task_restarts_total", {"service": "supervision-test", "task": "outbox_relay"}
    )
    assert restarts == 3


async def test_a_task_that_ends_is_restarted_too() -> None:
    runs: list[int] = []
    third = asyncio.Event()

    async def sweep() -> None:
        runs.append(1)
        if len(runs) == 3:
            third.set()

    task = asyncio.create_task(supervise("sweep", sweep, Backoff(first=0.01, longest=0.01)))
    await third.wait()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    assert len(runs) >= 3


@pytest.mark.integration
async def test_readiness_names_a_background_task_that_keeps_dying(
    servers: Any, service_settings: Any, run_app: Any, eventually: Any
) -> None:
    settings = service_settings(ServiceSettings, service_name="supervised")
    broker = consumer.broker_for(settings)

    async def dispatcher() -> None:
        raise RuntimeError("one bad message")

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with connected(settings) as db:
            app.state.db = db
            async with web.background(mail_dispatcher=dispatcher), consumer.running(broker):
                yield

    app = web.create_app(settings, title="t", description="t", lifespan=lifespan, broker=broker)
    async with run_app(app) as client:

        async def unready() -> Any:
            response = await client.get("/health/ready")
            body = response.json()
            return body if response.status_code == 503 and body["stuck"] else None

        body = await eventually(unready, timeout=30)
        assert body["stuck"] == {
            "mail_dispatcher": "died 3 times in a row, last: RuntimeError: one bad message"
        }
        metrics = (await client.get("/metrics")).text
        assert 'academy_stuck{part="mail_dispatcher",service="supervised"} 1.0' in metrics
