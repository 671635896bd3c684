"""Hostile or clumsy webhook subscriptions (issue 12): targets inside the Academy's network are
refused when subscribed and when delivered to, and one bad subscriber (an invalid host, a
receiver that hangs, one that answers 500 forever) never keeps a good one from its delivery."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from academy_kit.clock import now
from academy_notification.adapters.webhook_sender import checked_address
from academy_notification.domain.delivery import PermanentFailure
from academy_notification.domain.targets import TargetPolicy

from .support.story import Story

SECRET = "an-integrator-secret-of-some-length"
SUBMITTED = "org.euromed.academy.application.submitted.v1"
LONG_LABEL = "a" * 64
LONG_HOST = ".".join(["b" * 60] * 5)
LOOPBACKS = ["127.0.0.1", "localhost", "[::1]", "2130706433", "0x7f000001"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://hooks.example.com/h", "https"),
        ("https://user:pass@hooks.example.com/h", "credentials"),
        ("https://hooks.example.com@evil.example/h", "credentials"),
        (f"https://{LONG_LABEL}.example.com/h", "63"),
        (f"https://{LONG_HOST}/h", "253"),
        ("https://169.254.169.254/latest/meta-data", "metadata"),
        ("https://[fd00:ec2::254]/", "metadata"),
        ("https://10.0.0.7/h", "private"),
        ("https://[::ffff:127.0.0.1]/h", "loopback"),
        *((f"https://{host}:8003/h", "") for host in LOOPBACKS),
    ],
)
def test_the_policy_refuses_targets_inside_or_invalid(url: str, why: str) -> None:
    problem = TargetPolicy.of(allow_http=False, allowed=[]).url_problem(url)
    assert problem is not None
    assert why in problem


def test_the_operator_allows_http_and_internal_receivers() -> None:
    policy = TargetPolicy.of(allow_http=True, allowed=["127.0.0.1", "10.1.0.0/16", "Hooks.Lan"])
    assert policy.url_problem("http://127.0.0.1:39600/h") is None
    assert policy.url_problem("https://10.1.4.2/h") is None
    assert policy.url_problem("https://hooks.lan/h") is None
    assert policy.url_problem("https://hooks.example.com/h") is None
    assert policy.url_problem("https://10.2.0.1/h") is not None
    assert policy.url_problem("https://localhost/h") is not None


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "2130706433", "0x7f000001"])
def test_deliveries_to_loopback_are_refused_at_connection_time(host: str) -> None:
    """Each spelling is resolved as a client would and its addresses checked; without the
    allow-list, none of them is connected to."""
    with pytest.raises(PermanentFailure):
        checked_address(TargetPolicy.of(False, []), host, 443)


def test_the_allow_list_lets_a_delivery_reach_its_checked_address() -> None:
    policy = TargetPolicy.of(allow_http=True, allowed=["127.0.0.0/8", "::1"])
    assert str(checked_address(policy, "localhost", 80)) in {"127.0.0.1", "::1"}
    assert str(checked_address(policy, "127.0.0.1", 80)) == "127.0.0.1"
    with pytest.raises(PermanentFailure, match="metadata"):
        checked_address(policy, "169.254.169.254", 80)


@pytest.mark.integration
async def test_subscriptions_refuse_bad_urls_naming_the_field(
    notification: Any, staff_headers: Any
) -> None:
    """Before the fix every one of these was subscribed (201)."""
    admin = staff_headers("admin")
    urls = [
        "http://hooks.example.com/h",
        "https://user:pass@hooks.example.com/h",
        f"https://{LONG_LABEL}.example.com/h",
        f"https://{LONG_HOST}/h",
        "https://169.254.169.254/latest/meta-data",
        *(f"http://{host}:8003/v1/applications" for host in LOOPBACKS),
        *(f"https://{host}:8003/v1/applications" for host in LOOPBACKS),
    ]
    for url in urls:
        form = {"url": url, "event_types": [SUBMITTED], "secret": SECRET}
        answer = await notification.post("/v1/webhooks", json=form, headers=admin)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["field"] == "url"
    good = {"url": "https://hooks.example.com/h", "event_types": [SUBMITTED], "secret": SECRET}
    assert (await notification.post("/v1/webhooks", json=good, headers=admin)).status_code == 201


class Receivers:
    """Three integrators' endpoints on this test's ports: one that never answers, one that
    answers 500 forever, and a good one that answers 204."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.good: list[bytes] = []
        self.hanging_calls = 0
        self.failing: list[bytes] = []
        receivers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                port = self.connection.getsockname()[1]
                if port == receivers.ports[0]:
                    receivers.hanging_calls += 1
                    receivers.release.wait(30)
                    return
                if port == receivers.ports[1]:
                    receivers.failing.append(body)
                    self.send_response(500)
                else:
                    receivers.good.append(body)
                    self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.servers = [_bound(Handler, PORTS) for _ in range(3)]
        self.ports = [s.server_address[1] for s in self.servers]

    def url(self, n: int) -> str:
        return f"http://127.0.0.1:{self.ports[n]}/hooks"


PORTS = range(39600, 39700)
"""This test's ports; some may be taken as the client side of other connections."""


def _bound(handler: type[BaseHTTPRequestHandler], ports: range) -> ThreadingHTTPServer:
    """A server on the first free port of ``ports``."""
    for port in ports:
        try:
            return ThreadingHTTPServer(("127.0.0.1", port), handler)
        except OSError:
            continue
    raise OSError(f"no free port in {ports}")


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    found = Receivers()
    for server in found.servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield found
    found.release.set()
    for server in found.servers:
        server.shutdown()
        server.server_close()


@pytest.mark.integration
async def test_bad_subscribers_never_keep_a_good_one_from_its_delivery(
    start_notification: Any,
    send: Any,
    receivers: Receivers,
    story: Story,
    staff_headers: Any,
    eventually: Any,
) -> None:
    admin = staff_headers("admin")
    async with start_notification(
        webhook_allow_http=True,
        webhook_allowed_targets=["127.0.0.1"],
        webhook_timeout_seconds=1.0,
        send_max_attempts=3,
    ) as notification:
        ids = []
        for n in (0, 1):  # the hanging and the failing receivers first
            form = {"url": receivers.url(n), "event_types": [SUBMITTED], "secret": SECRET}
            answer = await notification.post("/v1/webhooks", json=form, headers=admin)
            assert answer.status_code == 201, answer.text
            ids.append(answer.json()["id"])
        # an over-long host subscribed before the API refused it, straight in the store
        legacy = uuid.uuid4().hex
        await notification.app.state.webhook_subscriptions.store.subscribe(
            {
                "_id": legacy,
                "url": f"https://{LONG_LABEL}.example.com/h",
                "event_types": [SUBMITTED],
                "secret": SECRET,
                "description": None,
                "created_at": now(),
            }
        )
        form = {"url": receivers.url(2), "event_types": [SUBMITTED], "secret": SECRET}
        answer = await notification.post("/v1/webhooks", json=form, headers=admin)
        assert answer.status_code == 201, answer.text
        good = answer.json()["id"]
        [submitted] = await send(story.submitted())

        async def delivered() -> bool:
            return any(json.loads(b)["id"] == submitted.id for b in receivers.good)

        await eventually(delivered)

        async def log(subscription: str) -> dict[str, Any]:
            answer = await notification.get(
                f"/v1/webhooks/{subscription}/deliveries", headers=admin
            )
            [mine] = [d for d in answer.json() if d["event_id"] == submitted.id]
            return dict(mine)

        async def bad_ones_failed() -> list[dict[str, Any]] | None:
            found = [await log(s) for s in (*ids, legacy)]
            return found if all(d["status"] == "failed" for d in found) else None

        hanging, failing, invalid = await eventually(bad_ones_failed)
        assert (await log(good))["status"] == "sent"
        assert hanging["attempts"] == 3
        assert "TimeoutError" in hanging["last_error"] or "no answer" in hanging["last_error"]
        assert failing["attempts"] == 3
        assert failing["last_error"].startswith("HTTP 500")
        assert invalid["attempts"] == 1
        assert "63" in invalid["last_error"]
        about = [b for b in receivers.failing if json.loads(b)["id"] == submitted.id]
        assert len(about) == 3, "the broker is shared: other tests' events come too"
