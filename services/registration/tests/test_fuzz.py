"""Fuzzing the OpenAPI: schemathesis generates requests for every operation (valid and invalid
bodies, odd path and query values) against the service running as its own process on the real
servers; no answer may be a 5xx. Examples are bounded so the suite stays quick."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from academy_registration.entrypoints.main import create_app

pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def registration_url(servers: Any) -> Iterator[str]:
    """The registration service as a separate process, as operators run it."""
    port = _free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
        "MONGODB_URI": servers.mongodb_uri,
        "ACADEMY_DATABASE": f"t_fuzz_{port}",
        "ACADEMY_CONSUMER_GROUP": f"t-fuzz-{port}",
        "ACADEMY_HTTP_PORT": str(port),
        "ACADEMY_LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", "from academy_registration.entrypoints.main import main; main()"],
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the service exited at start"
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


# The document the running service serves; building the app connects to nothing.
schema = schemathesis.openapi.from_dict(create_app().openapi())


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_gets_a_server_error(
    case: Any, registration_url: str, staff_headers: Any
) -> None:
    case.call_and_validate(
        base_url=registration_url,
        headers=staff_headers("admin", "committee", "checkin"),
        checks=[not_a_server_error],
    )
