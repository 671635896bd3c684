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
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.schemas import BaseSchema

pytestmark = pytest.mark.integration

SERVICES = ("registration", "selection", "notification", "reimbursement")
EXAMPLES = int(os.environ.get("ACADEMY_FUZZ_EXAMPLES", "25"))
"""Per operation. The examples are derived from the test's name (derandomised), so a CI run is
reproducible; raise this, e.g. to 500, to explore further."""


def _schema(service: str) -> BaseSchema:
    """The document the running service serves; building the app connects to nothing."""
    main = importlib.import_module(f"academy_{service}.entrypoints.main")
    return schemathesis.openapi.from_dict(main.create_app().openapi())


def _start(service: str, servers: Any, port: int) -> tuple[str, subprocess.Popen[bytes]]:
    """The service as a separate process, as operators run it; its URL once it is live."""
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
        "MONGODB_URI": servers.mongodb_uri,
        "ACADEMY_DATABASE": f"t_fuzz_{service}_{port}",
        "ACADEMY_CONSUMER_GROUP": f"t-fuzz-{service}-{port}",
        "ACADEMY_HTTP_PORT": str(port),
        "ACADEMY_LOG_LEVEL": "WARNING",
        "ACADEMY_ENV": "development",
        "ACADEMY_ANONYMOUS_WRITES_PER_MINUTE": "0",
    }
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
def service_url(servers: Any, free_port: Callable[[], int]) -> Iterator[Callable[[str], str]]:
    """A service's URL, starting it on first use; all are stopped at the end of the module."""
    running: dict[str, tuple[str, subprocess.Popen[bytes]]] = {}

    def url(service: str) -> str:
        if service not in running:
            running[service] = _start(service, servers, free_port())
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
