"""The HTTP face's protections (issue 12): security headers on every HTML response and nosniff on
all, bodies refused over their limit before a handler reads them (declared or streamed), a larger
limit for an upload route, and a rate limit on anonymous writes."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from academy_kit import consumer, web
from academy_kit.settings import ServiceSettings
from academy_registration.entrypoints.main import create_app as registration_app
from academy_registration.settings import RegistrationSettings

MIB = 1024 * 1024


def _app(**overrides: Any) -> tuple[FastAPI, list[int]]:
    """A kit app with an HTML page, a JSON write and an upload route; the sizes of the bodies
    its handlers read."""
    settings = ServiceSettings(**{"env": "development", "max_body_bytes": MIB, **overrides})

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    app = web.create_app(
        settings,
        title="t",
        description="t",
        lifespan=lifespan,
        broker=consumer.broker_for(settings),
        larger_bodies={r"/uploads/[^/]+": 4 * MIB},
    )
    read: list[int] = []

    @app.get("/page", response_class=HTMLResponse)
    async def page() -> str:
        return "<p>staff</p>"

    @app.post("/notes")
    async def note(request: Request) -> dict[str, int]:
        read.append(len(await request.body()))
        return {"read": read[-1]}

    @app.post("/uploads/{name}")
    async def upload(name: str, request: Request) -> dict[str, int]:
        read.append(len(await request.body()))
        return {"read": read[-1]}

    return app, read


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_html_gets_the_security_headers_and_every_response_nosniff() -> None:
    app, _ = _app()
    async with _client(app) as client:
        html = await client.get("/page")
        data = await client.get("/health/live")
        docs = await client.get("/docs")
    assert "frame-ancestors 'none'" in html.headers["content-security-policy"]
    assert "script-src" not in html.headers["content-security-policy"]  # no script at all
    assert html.headers["x-frame-options"] == "DENY"
    assert html.headers["referrer-policy"] == "no-referrer"
    assert data.headers["x-content-type-options"] == "nosniff"
    assert html.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in data.headers
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]


async def test_a_declared_body_over_the_limit_is_refused_before_the_handler_reads_it(
    problem: Any,
) -> None:
    app, read = _app()
    async with _client(app) as client:
        refused = await client.post("/notes", content=b"x" * (MIB + 1))
        accepted = await client.post("/notes", content=b"x" * MIB)
    assert problem(refused, 413)["max_bytes"] == MIB
    assert refused.headers["x-content-type-options"] == "nosniff"
    assert accepted.json() == {"read": MIB}
    assert read == [MIB]


async def test_a_streamed_body_is_refused_once_over_the_limit(problem: Any) -> None:
    app, read = _app()
    sent: list[int] = []

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(50):  # 50 MiB offered, without a Content-Length
            sent.append(MIB)
            yield b"x" * MIB

    async with _client(app) as client:
        refused = await client.post("/notes", content=chunks())
    assert problem(refused, 413)["max_bytes"] == MIB
    assert read == []
    assert sum(sent) <= 3 * MIB  # reading stopped at the limit, not at the end


async def test_an_upload_route_has_its_larger_limit(problem: Any) -> None:
    app, _ = _app()
    async with _client(app) as client:
        upload = await client.post("/uploads/receipt.pdf", content=b"%PDF" * MIB)
        too_big = await client.post("/uploads/receipt.pdf", content=b"x" * (4 * MIB + 1))
    assert upload.json() == {"read": 4 * MIB}
    assert problem(too_big, 413)["max_bytes"] == 4 * MIB


async def test_anonymous_writes_are_rate_limited_per_client_and_staff_are_not(
    problem: Any,
) -> None:
    app, _ = _app(anonymous_writes_per_minute=3)
    async with _client(app) as client:
        answers = [(await client.post("/notes", content=b"{}")).status_code for _ in range(3)]
        limited = await client.post("/notes", content=b"{}")
        signed = await client.post("/notes", content=b"{}", headers={"Authorization": "Bearer x"})
        reading = await client.get("/page")
    assert answers == [200, 200, 200]
    body = problem(limited, 429)
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert body["retry_after_seconds"] == int(limited.headers["retry-after"])
    assert signed.status_code == 200
    assert reading.status_code == 200


@pytest.mark.integration
async def test_a_service_refuses_a_10_mb_application_before_reading_it(
    service_settings: Any, run_app: Any, problem: Any
) -> None:
    settings = service_settings(RegistrationSettings)
    async with run_app(registration_app(settings)) as registration:
        response = await registration.post(
            "/v1/applications",
            content=b'{"edition_id": "' + b"x" * (10 * MIB) + b'"}',
            headers={"Content-Type": "application/json"},
        )
    assert problem(response, 413)["max_bytes"] == settings.max_body_bytes
