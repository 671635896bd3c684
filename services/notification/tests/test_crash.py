"""The service killed with SIGKILL in the middle of sending a batch, then started again: every
message is recorded once and reaches the SMTP server, and a message in flight at the kill is
resent with its own Message-ID, so the mail store sees one message per key.

An SMTP client cannot know whether the server kept a message whose acceptance it was killed
before recording, so "exactly once" at the server rests on the Message-ID being the same at
every attempt; the test also bounds the resends to the one message in flight.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from academy_kit.mongo import connected
from academy_notification.adapters.messages import MessageFilter, MessageStore
from academy_notification.domain.messages import Status
from academy_notification.settings import NotificationSettings

from .conftest import SmtpServer
from .support.story import Story

pytestmark = pytest.mark.integration

APPLICATIONS = 15


def _start(settings: NotificationSettings, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "MONGODB_URI": settings.mongodb_uri,
        "ACADEMY_DATABASE": settings.database_name,
        "ACADEMY_CONSUMER_GROUP": settings.group_id,
        "ACADEMY_HTTP_PORT": str(settings.http_port),
        "ACADEMY_SMTP_PORT": str(settings.smtp_port),
        "ACADEMY_RETRY_BASE_SECONDS": "0.2",
        "ACADEMY_DISPATCH_POLL_SECONDS": "0.2",
        "ACADEMY_OUTBOX_POLL_SECONDS": "0.2",
        "ACADEMY_ENV": "development",
        # The killed process cannot free its writer lease: the restart waits for it to expire.
        "ACADEMY_WRITER_LEASE_SECONDS": "3",
    }
    command = Path(sys.executable).with_name("academy-notification")
    with log.open("ab") as out:
        return subprocess.Popen([str(command)], env=env, stdout=out, stderr=subprocess.STDOUT)


async def _live(port: int, eventually: Any) -> None:
    async def answers() -> bool:
        try:
            async with httpx.AsyncClient() as client:
                response = await client.get(f"http://127.0.0.1:{port}/health/live")
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    # A process start is mostly imports: ~5 CPU-seconds, 30 s and more on a loaded machine.
    await eventually(answers, timeout=120)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


async def test_kill_9_mid_batch_then_restart_leaves_one_message_per_key(
    notification_settings: Any,
    send: Any,
    smtp: SmtpServer,
    uid: str,
    eventually: Any,
    processes: list[subprocess.Popen[bytes]],
    tmp_path: Path,
    free_port: Callable[[], int],
) -> None:
    smtp.inbox.delay = 0.03
    settings = notification_settings(http_port=free_port())
    log = tmp_path / "notification.log"
    processes.append(_start(settings, log))
    await _live(settings.http_port, eventually)
    await send(*(Story(f"{uid}{n}").submitted() for n in range(APPLICATIONS)))
    expected = APPLICATIONS * 3

    async def some() -> bool:
        return smtp.inbox.count(uid) >= expected // 4

    await eventually(some)
    processes[0].send_signal(signal.SIGKILL)
    processes[0].wait()
    at_kill = smtp.inbox.count(uid)
    assert at_kill < expected, "the batch was over before the kill"

    processes.append(_start(settings, log))

    async def all_keys() -> bool:
        keys = {str(m["X-Academy-Notification"]) for m in smtp.inbox.about(uid)}
        return len(keys) == expected

    await eventually(all_keys, timeout=60)
    await asyncio.sleep(1.0)  # anything sent twice would arrive now
    ids: dict[str, set[str]] = defaultdict(set)
    for message in smtp.inbox.about(uid):
        ids[str(message["X-Academy-Notification"])].add(str(message["Message-ID"]))
    assert len(ids) == expected
    assert all(len(message_ids) == 1 for message_ids in ids.values())
    assert len({next(iter(v)) for v in ids.values()}) == expected
    assert smtp.inbox.count(uid) <= expected + 1, "more than the message in flight was resent"
    async with connected(settings) as db:
        store = MessageStore(db)
        for n in range(APPLICATIONS):
            mine = Story(f"{uid}{n}").application_id
            assert await store.count(MessageFilter(application_id=mine)) == 3
            assert await store.count(MessageFilter(application_id=mine, status=Status.SENT)) == 3
