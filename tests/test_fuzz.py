"""Fuzzing every service's OpenAPI: schemathesis generates requests for every operation (valid
and invalid bodies, odd path, query and header values) against each service running as its own
process on the real servers, with a staff token of every role; no answer may be a 5xx. Examples
are bounded so the suite stays quick."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema

from academy_notification.settings import NotificationSettings

pytestmark = pytest.mark.integration

SERVICES = ("registration", "selection", "notification", "reimbursement")
DEVELOPMENT_MAIL_PORT = 1025
"""The development stack's mail sink (academy-local's), where tests must never send."""
EXAMPLES = int(os.environ.get("ACADEMY_FUZZ_EXAMPLES", "25"))
"""Per operation. The examples are derived from the test's name (derandomised), so a CI run is
reproducible; raise this, e.g. to 500, to explore further."""


def _schema(service: str) -> BaseSchema:
    """The document the running service serves; building the app connects to nothing."""
    main = importlib.import_module(f"academy_{service}.entrypoints.main")
    return schemathesis.openapi.from_dict(main.create_app().openapi())


def _environment(service: str, servers: Any, port: int, mail_port: int) -> dict[str, str]:
    """The service's environment: the suite's servers, and for notification the module's own
    mail sink (its default, 127.0.0.1:1025, is the development stack's)."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
        "MONGODB_URI": servers.mongodb_uri,
        "ACADEMY_DATABASE": f"t_fuzz_{service}_{port}",
        "ACADEMY_CONSUMER_GROUP": f"t-fuzz-{service}-{port}",
        "ACADEMY_HTTP_PORT": str(port),
        "ACADEMY_LOG_LEVEL": "WARNING",
        "ACADEMY_ENV": "development",
        "ACADEMY_ANONYMOUS_WRITES_PER_MINUTE": "0",
        "ACADEMY_SMTP_HOST": "127.0.0.1",
        "ACADEMY_SMTP_PORT": str(mail_port),
    }


def _start(
    service: str, servers: Any, port: int, mail_port: int
) -> tuple[str, subprocess.Popen[bytes]]:
    """The service as a separate process, as operators run it; its URL once it is live."""
    env = _environment(service, servers, port, mail_port)
    code = f"from academy_{service}.entrypoints.main import main; main()"
    process = subprocess.Popen([sys.executable, "-c", code], env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                return url, process
        except httpx.TransportError:
            pass
        assert process.poll() is None, f"{service} exited at start"
        assert time.monotonic() < deadline, f"{service} did not start"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def mail_sink(free_port: Callable[[], int]) -> Iterator[int]:
    """An SMTP server of the module's own that accepts and discards what the fuzzed
    notification service sends; its port."""
    controller = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def service_url(
    servers: Any, free_port: Callable[[], int], mail_sink: int
) -> Iterator[Callable[[str], str]]:
    """A service's URL, starting it on first use; all are stopped at the end of the module."""
    running: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}

    def url(service: str) -> str:
        if service not in running:
            running[service] = _start(service, servers, free_port(), mail_sink)
        return running[service][0]

    try:
        yield url
    finally:
        for _, process in running.values():
            process.terminate()
        for _, process in running.values():
            process.wait(timeout=30)


def _call(case: Any, url: str, staff_headers: Any) -> None:
    case.call_and_validate(
        base_url=url,
        headers=staff_headers("admin", "committee", "finance", "checkin"),
        checks=[not_a_server_error],
    )


fuzz = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
registration, selection, notification, reimbursement = (_schema(s) for s in SERVICES)


def test_the_fuzzed_notification_never_mails_the_development_sink(
    servers: Any, mail_sink: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The settings notification reads from the environment it is started with: the module's
    sink, never the development stack's (a run once sent 414 test emails to a developer's)."""
    for name, value in _environment("notification", servers, 1, mail_sink).items():
        monkeypatch.setenv(name, value)
    settings = NotificationSettings()
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", mail_sink)
    assert settings.smtp_port != DEVELOPMENT_MAIL_PORT


@registration.parametrize()
@fuzz
def test_registration(case: Any, service_url: Any, staff_headers: Any) -> None:
    _call(case, service_url("registration"), staff_headers)


@selection.parametrize()
@fuzz
def test_selection(case: Any, service_url: Any, staff_headers: Any) -> None:
    _call(case, service_url("selection"), staff_headers)


@notification.parametrize()
@fuzz
def test_notification(case: Any, service_url: Any, staff_headers: Any) -> None:
    _call(case, service_url("notification"), staff_headers)


@reimbursement.parametrize()
@fuzz
def test_reimbursement(case: Any, service_url: Any, staff_headers: Any) -> None:
    _call(case, service_url("reimbursement"), staff_headers)
