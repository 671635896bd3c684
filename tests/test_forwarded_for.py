"""The anonymous-write limit behind the web front (issue 12): the services take the client's
address from ``X-Forwarded-For`` only when a trusted proxy (``ACADEMY_FORWARDED_ALLOW_IPS``,
127.0.0.1 by default: the web front) sent it, and the front sends each visitor's own address.
Registration runs as its own process under uvicorn, as operators run it (one for the module: each
test uses client addresses of its own); requests come from 127.0.0.1 (trusted) and from
127.0.0.2 (another host on the loopback network, not trusted)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from academy_web.main import create_app as web_app
from academy_web.services import FORWARDED_FOR, Refused, Services, visitor_address
from academy_web.settings import WebSettings
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.integration

PER_MINUTE = 3
LOGS = Path(__file__).resolve().parents[1] / ".cache" / "forwarded"


@pytest.fixture(scope="module")
async def registration(servers: Any, free_port: Callable[[], int]) -> AsyncIterator[ServiceProcess]:
    uid = uuid.uuid4().hex[:8]
    service = ServiceProcess(
        "registration",
        free_port(),
        {
            "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
            "MONGODB_URI": servers.mongodb_uri,
            "ACADEMY_ENV": "development",
            "ACADEMY_DATABASE": f"t_fwd_{uid}",
            "ACADEMY_CONSUMER_GROUP": f"t-fwd-{uid}",
            "ACADEMY_SEED_FIRST_EDITION": "false",
            "ACADEMY_ANONYMOUS_WRITES_PER_MINUTE": str(PER_MINUTE),
        },
        LOGS / f"registration-{uid}.log",
    )
    service.start()
    try:
        await service.wait_live()
        yield service
    finally:
        service.stop()


def _from(address: str, base_url: str) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=10)


async def _statuses(client: httpx.AsyncClient, forwarded_for: str, n: int) -> list[int]:
    """``n`` anonymous writes (an empty application: 422 while within the budget)."""
    headers = {FORWARDED_FOR: forwarded_for}
    return [
        (await client.post("/v1/applications", json={}, headers=headers)).status_code
        for _ in range(n)
    ]


async def test_each_forwarded_client_has_its_own_budget_and_a_forged_header_is_ignored(
    registration: ServiceProcess,
) -> None:
    within = [422] * PER_MINUTE
    async with _from("127.0.0.1", registration.url) as proxy:
        assert await _statuses(proxy, "198.51.100.1", PER_MINUTE + 1) == [*within, 429]
        assert await _statuses(proxy, "198.51.100.2", PER_MINUTE) == within
    async with _from("127.0.0.2", registration.url) as forger:
        # Each request claims another client; the service counts them all as 127.0.0.2.
        claimed = [
            (
                await forger.post(
                    "/v1/applications", json={}, headers={FORWARDED_FOR: f"203.0.113.{n}"}
                )
            )
            for n in range(PER_MINUTE + 1)
        ]
        assert [answer.status_code for answer in claimed] == [*within, 429]
        # A first-time client for the trusted proxy's header, refused: the budget is the peer's.
        assert (await _statuses(forger, "198.51.100.3", 1)) == [429]


async def test_the_front_forwards_each_visitors_address(registration: ServiceProcess) -> None:
    services = Services(WebSettings(registration_url=registration.url))
    try:
        for visitor, expected in (("192.0.2.10", 422), ("192.0.2.11", 422)):
            token = visitor_address.set(visitor)
            try:
                for _ in range(PER_MINUTE):
                    with pytest.raises(Refused) as refused:
                        await services.submit_application({}, uuid.uuid4().hex)
                    assert refused.value.status == expected
            finally:
                visitor_address.reset(token)
        token = visitor_address.set("192.0.2.10")
        try:
            with pytest.raises(Refused) as refused:
                await services.submit_application({}, uuid.uuid4().hex)
            assert refused.value.status == 429, "the first visitor's budget is spent"
        finally:
            visitor_address.reset(token)
    finally:
        await services.aclose()


async def test_every_page_request_sets_the_visitors_address_for_the_calls_it_makes() -> None:
    forwarded: list[str | None] = []

    def registration(request: httpx.Request) -> httpx.Response:
        forwarded.append(request.headers.get(FORWARDED_FOR))
        return httpx.Response(200, json=[])

    settings = WebSettings()
    app = web_app(settings, Services(settings, transport=httpx.MockTransport(registration)))
    async with app.router.lifespan_context(app):
        for visitor in ("192.0.2.20", "192.0.2.21"):
            transport = httpx.ASGITransport(app=app, client=(visitor, 40000))
            async with httpx.AsyncClient(transport=transport, base_url="http://web") as browser:
                assert (await browser.get("/")).status_code == 200
    assert forwarded == ["192.0.2.20", "192.0.2.21"], "the home page lists the editions once"
