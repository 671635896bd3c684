"""Registration's HTTP API on the real store: operations endpoints and readiness."""

from __future__ import annotations

from typing import Any

import pytest

from academy_registration.entrypoints.main import create_app
from academy_registration.settings import RegistrationSettings

pytestmark = pytest.mark.integration


async def test_operations_endpoints(api: Any, eventually: Any) -> None:
    assert (await api.get("/health/live")).json() == {"status": "ok"}

    async def answered() -> Any:  # ready once the service's Kafka client has connected
        response = await api.get("/health/ready")
        return response if response.status_code == 200 else None

    ready = await eventually(answered, timeout=15)
    assert ready.json()["checks"] == {"kafka": True, "mongodb": True}
    assert (await api.get("/asyncapi.json")).json()["asyncapi"] == "3.0.0"
    assert "/v1/applications" in (await api.get("/openapi.json")).json()["paths"]
    response = await api.get("/metrics", headers={"X-Correlation-ID": "corr-1"})
    assert "academy_http_requests_total" in response.text
    assert response.headers["x-correlation-id"] == "corr-1"


async def test_readiness_names_the_server_that_does_not_answer(
    servers: Any, uid: str, run_app: Any
) -> None:
    settings = RegistrationSettings(
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=servers.mongodb_uri,
        database=f"t_reg_{uid}",
        env="development",
    )
    async with run_app(create_app(settings)) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"kafka": False, "mongodb": True}
