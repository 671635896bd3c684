"""Notification's fixtures: a real SMTP server (aiosmtpd) that keeps what it receives, the
service on the suite's Kafka and FerretDB (started with the settings a test overrides), and a
story of one cluster's events to put on the topics with the root ``send`` fixture."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

from academy_contracts.registry import Topic
from academy_notification.settings import NotificationSettings

from .support.story import Story


class Inbox:
    """What the SMTP server accepted: each message with the envelope recipients."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.delay = delay
        self._lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: SmtpEnvelope, address: str, options: Any
    ) -> str:
        """Refuse for good any address starting with ``bounce``, as a real server refuses an
        unknown mailbox."""
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: SmtpEnvelope
    ) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def messages(self, to: str, **headers: str) -> list[EmailMessage]:
        """The messages to ``to`` whose headers have exactly the given values
        (``x_academy_template="selected"``)."""
        with self._lock:
            found = [m for rcpts, m in self.received if to in rcpts]
        return [
            m
            for m in found
            if all(str(m[name.replace("_", "-")]) == value for name, value in headers.items())
        ]

    def about(self, marker: str) -> list[EmailMessage]:
        """The messages to recipients whose address contains ``marker`` (a test's uid): the
        broker is shared, so the service also writes about other tests' events."""
        with self._lock:
            return [m for rcpts, m in self.received if any(marker in r for r in rcpts)]

    def count(self, marker: str) -> int:
        return len(self.about(marker))


def body_of(message: EmailMessage) -> str:
    """A received message's text as the service wrote it (SMTP carries lines ending in CRLF)."""
    text: str = message.get_content()
    return text.replace("\r\n", "\n")


class SmtpServer:
    """A real SMTP server on a fixed port that a test can stop and start again."""

    def __init__(self, port: int, inbox: Inbox) -> None:
        self.port = port
        self.inbox = inbox
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp(free_port: Callable[[], int]) -> Iterator[SmtpServer]:
    """A running SMTP server with an empty inbox."""
    server = SmtpServer(free_port(), Inbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def notification_settings(
    service_settings: Any, smtp: SmtpServer, start_at_the_end: Any, uid: str
) -> Callable[..., Any]:
    """Settings for the service under test: its SMTP server, quick retries and polls, a project
    manager of this test's own, no daily digest unless a test asks (it would go out at any
    sweep after its hour), and a consumer group that starts at the end of the topics."""
    await start_at_the_end(service_settings(NotificationSettings), [t.value for t in Topic])

    def build(**overrides: Any) -> NotificationSettings:
        fields: dict[str, Any] = {
            "smtp_port": smtp.port,
            "retry_base_seconds": 0.2,
            "retry_max_seconds": 1.0,
            "dispatch_poll_seconds": 0.2,
            "schedule_poll_seconds": 0.2,
            "digest_daily": False,
            "project_manager_email": f"pm-{uid}@anima.coop",
            "link_base_url": "https://academy.example/v1/applications",
        }
        settings: NotificationSettings = service_settings(
            NotificationSettings, **{**fields, **overrides}
        )
        return settings

    return build


@pytest.fixture
def start_notification(
    notification_settings: Any, run_app: Any
) -> Callable[..., AbstractAsyncContextManager[Any]]:
    """Start the service with settings overrides (``async with start_notification(**overrides)
    as client``): a client of it, ``.app`` being the app. The same overrides give the same
    settings, so a test can start the service again on the same database."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Any]:
        from academy_notification.entrypoints.main import (
            create_app,
        )  # the fast tier never starts it

        app = create_app(notification_settings(**overrides))
        async with run_app(app) as client:
            client.app = app
            yield client

    return start


@pytest.fixture
async def notification(start_notification: Any) -> AsyncIterator[Any]:
    """A client of a running notification service (``.app`` is the app)."""
    async with start_notification() as client:
        yield client


@pytest.fixture
def story(uid: str) -> Story:
    return Story(uid)
