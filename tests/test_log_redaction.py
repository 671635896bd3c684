"""Link tokens never reach the logs (issue 12): uvicorn's access log of a real server and the
URLs httpx logs have every ``…token=`` value and the X-Application-Token header redacted."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Header

from academy_kit import logs

TOKEN = "v1.app-123.secret-signature_XYZ"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The services' log set-up for one test, its lines kept in a buffer; the root logger
    restored after it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.configure("redaction-test")
    written = io.StringIO()
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(written)
    yield written
    root.handlers[:] = handlers
    root.setLevel(level)


async def test_the_access_log_and_logged_urls_carry_no_token(
    json_logs: io.StringIO, free_port: Any, eventually: Any
) -> None:
    app = FastAPI()

    @app.get("/v1/applications/{application_id}")
    async def page(application_id: str, x_application_token: str = Header("")) -> dict[str, str]:
        logging.getLogger("probe").warning("headers %s", {"x-application-token": TOKEN})
        return {"id": application_id}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None))
    serving = asyncio.create_task(server.serve())
    await eventually(lambda: _holds(server.started))
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(
                f"http://127.0.0.1:{port}/v1/applications/app-123?token={TOKEN}&lang=fr",
                headers={"X-Application-Token": TOKEN},
            )
        assert response.status_code == 200
    finally:
        server.should_exit = True
        await serving

    err = json_logs.getvalue()
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert TOKEN not in err
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    [access_line] = [line["message"] for line in access]
    assert access_line.endswith(
        ' - "GET /v1/applications/app-123?token=[redacted]&lang=fr HTTP/1.1" 200'
    )
    assert any("token=[redacted]" in line["message"] for line in lines if line["logger"] == "httpx")
    assert any("'x-application-token': '[redacted]'" in line["message"] for line in lines)
    assert not [line for line in lines if TOKEN in json.dumps(line)]


async def _holds(condition: bool) -> bool:
    return condition
