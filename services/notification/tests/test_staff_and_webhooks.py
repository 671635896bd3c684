"""Staff outputs (the outbox as JSON, CSV and escaped HTML) and integrators' webhooks: signed
CloudEvents JSON, retried after a failure, with a delivery log."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from academy_notification.adapters.webhook_sender import WebhookSender
from academy_notification.domain.delivery import PermanentFailure
from academy_notification.domain.drafting import without_link_tokens
from academy_notification.domain.targets import TargetPolicy

from .conftest import SmtpServer, body_of
from .support.story import Story

pytestmark = pytest.mark.integration

SECRET = "an-integrator-secret-of-some-length"


class Receiver:
    """An integrator's endpoint: answers 503 to the first call about each event, then 204."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict[str, str], bytes]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    event_id = json.loads(body)["id"]
                    first = all(json.loads(b)["id"] != event_id for _, b in receiver.calls)
                    receiver.calls.append((dict(self.headers), body))
                self.send_response(503 if first else 204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/academy"

    def about(self, subject: str) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return [(h, b) for h, b in self.calls if json.loads(b)["subject"] == subject]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver()
    thread = threading.Thread(target=found.server.serve_forever, daemon=True)
    thread.start()
    yield found
    found.server.shutdown()
    found.server.server_close()


def _verified(headers: dict[str, str], body: bytes) -> bool:
    signed = headers["X-Academy-Timestamp"].encode() + b"." + body
    expected = hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Academy-Signature"], f"sha256={expected}")


async def test_webhooks_receive_signed_cloudevents_after_a_retry(
    start_notification: Any,
    send: Any,
    receiver: Receiver,
    story: Story,
    staff_headers: Any,
    eventually: Any,
) -> None:
    async with start_notification(
        webhook_allow_http=True, webhook_allowed_targets=["127.0.0.1"]
    ) as notification:
        await _signed_cloudevents_after_a_retry(
            notification, send, receiver, story, staff_headers, eventually
        )


async def _signed_cloudevents_after_a_retry(
    notification: Any,
    send: Any,
    receiver: Receiver,
    story: Story,
    staff_headers: Any,
    eventually: Any,
) -> None:
    submitted_type = "org.euromed.academy.application.submitted.v1"
    form = {"url": receiver.url, "event_types": [submitted_type], "secret": SECRET}
    assert (await notification.post("/v1/webhooks", json=form)).status_code == 401
    committee = staff_headers("committee")
    assert (
        await notification.post("/v1/webhooks", json=form, headers=committee)
    ).status_code == 403
    bad = await notification.post(
        "/v1/webhooks",
        json={**form, "event_types": ["no.such.type"]},
        headers=staff_headers("admin"),
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "event_types"
    created = await notification.post("/v1/webhooks", json=form, headers=staff_headers("admin"))
    assert created.status_code == 201, created.text
    subscription = created.json()
    assert "secret" not in subscription

    [submitted, _] = await send(story.submitted(), story.waitlisted())

    async def delivered() -> bool:
        return len(receiver.about(story.application_id)) >= 2

    await eventually(delivered)
    calls = receiver.about(story.application_id)
    assert len(calls) == 2  # the refused one and its retry; the waitlisting is not subscribed
    for headers, body in calls:
        assert headers["Content-Type"] == "application/cloudevents+json"
        assert _verified(headers, body)
        assert not _verified({**headers, "X-Academy-Timestamp": "0"}, body)
        event = json.loads(body)
        assert event["specversion"] == "1.0"
        assert event["id"] == submitted.id
        assert event["type"] == submitted_type
        assert event["data"]["application_id"] == story.application_id
        assert event["data"]["cluster"]["name"] == story.cluster.name

    async def logged() -> list[Any] | None:
        log = await notification.get(
            f"/v1/webhooks/{subscription['id']}/deliveries", headers=staff_headers("admin")
        )
        mine = [d for d in log.json() if d["event_id"] == submitted.id]
        return mine if mine and mine[0]["status"] == "sent" else None

    [delivery] = await eventually(logged)
    assert delivery["attempts"] == 2
    assert [entry["outcome"] for entry in delivery["log"]] == ["retry", "delivered"]
    assert delivery["log"][0]["error"] == "HTTP 503"


async def test_staff_list_export_and_read_the_messages(
    notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    staff_headers: Any,
    eventually: Any,
) -> None:
    story.cluster = story.cluster.model_copy(update={"name": f"Pôle <b>Santé</b> & Co {story.uid}"})
    await send(story.submitted())

    async def sent() -> bool:
        return smtp.inbox.count(story.uid) == 3

    await eventually(sent)
    admin = staff_headers("admin")
    query = {"application_id": story.application_id, "status": "sent"}

    async def listed() -> dict[str, Any] | None:
        found = (await notification.get("/v1/messages", params=query, headers=admin)).json()
        return found if found["total"] == 3 else None

    found = await eventually(listed)
    assert {m["recipient"] for m in found["items"]} == {story.email(n) for n in range(3)}
    assert {m["language"] for m in found["items"]} == {"fr", "en"}
    assert (await notification.get("/v1/messages", params=query)).status_code == 401
    bad = await notification.get("/v1/messages", params={"status": "lost"}, headers=admin)
    assert bad.status_code == 422
    assert "pending" in bad.json()["errors"][0]["allowed"]

    exported = await notification.get("/v1/messages.csv", params=query, headers=admin)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert sorted(r["recipient"] for r in rows) == sorted(story.email(n) for n in range(3))
    assert {r["status"] for r in rows} == {"sent"}
    assert {r["attempts"] for r in rows} == {"1"}

    blank = {"status": "", "template": "", "recipient": "", "application_id": ""}
    submitted = await notification.get("/staff/messages", params=blank, headers=admin)
    assert submitted.status_code == 200, "the page's form, submitted with no filter chosen"
    assert all(story.email(n) in submitted.text for n in range(3))
    unfiltered = await notification.get("/v1/messages", params=blank, headers=admin)
    assert unfiltered.json()["total"] == 3

    page = await notification.get("/staff/messages", params=query, headers=admin)
    assert page.headers["content-type"].startswith("text/html")
    assert "Pôle &lt;b&gt;Santé&lt;/b&gt; &amp; Co" in page.text
    assert "<b>Santé</b>" not in page.text
    english = next(m for m in found["items"] if m["language"] == "en")
    one = await notification.get(f"/staff/messages/{english['id']}", headers=admin)
    assert one.status_code == 200
    assert "Dear Sarah Haddad," in one.text
    assert "90% of the costs are reimbursed" in one.text
    missing = await notification.get("/staff/messages/nope", headers=admin)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_a_redirection_fails_the_delivery_instead_of_being_followed() -> None:
    """A client that follows a 302 would resend the delivery as a GET elsewhere; the sender
    follows no redirection, so a 3xx is a permanent failure and the receiver is called once."""
    paths: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            paths.append((self.command, self.path))
            if self.path == "/moved":
                self.send_response(302)
                self.send_header("Location", "/elsewhere")
            else:
                self.send_response(204)
            self.end_headers()

        do_GET = do_POST = _answer  # noqa: N815 - http.server's hook names

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    policy = TargetPolicy.of(allow_http=True, allowed=["127.0.0.1"])
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/moved"
        sender = WebhookSender(store=None, timeout=5, policy=policy)  # type: ignore[arg-type]
        with pytest.raises(PermanentFailure, match="HTTP 302"):
            sender.post(url, b"{}", {})
    finally:
        server.shutdown()
        server.server_close()
    assert paths == [("POST", "/moved")]


async def test_staff_see_messages_without_the_link_token(
    notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    staff_headers: Any,
    eventually: Any,
) -> None:
    """The applicant's link token opens their application; before the fix the staff outbox
    (JSON, HTML) showed it inside each body to any staff member, finance included."""
    await send(story.submitted())

    async def sent() -> bool:
        return smtp.inbox.count(story.uid) == 3

    await eventually(sent)
    [email] = smtp.inbox.messages(story.email(2))
    [token] = re.findall(r"\?token=([^\s&#]+)", body_of(email))
    finance = staff_headers("finance")
    query = {"application_id": story.application_id}

    async def listed() -> dict[str, Any] | None:
        found = (await notification.get("/v1/messages", params=query, headers=finance)).json()
        return found if found["total"] == 3 else None

    found = await eventually(listed)
    english = next(m for m in found["items"] if m["recipient"] == story.email(2))
    assert token not in english["body"]
    assert "?token=********" in english["body"]
    views = [
        await notification.get("/v1/messages", params=query, headers=finance),
        await notification.get("/v1/messages.csv", params=query, headers=finance),
        await notification.get("/staff/messages", params=query, headers=finance),
        await notification.get(f"/v1/messages/{english['id']}", headers=finance),
        await notification.get(f"/staff/messages/{english['id']}", headers=finance),
    ]
    for view in views:
        assert view.status_code == 200, view.text
        assert token not in view.text, view.request.url
    page = views[-1].text
    assert "?token=********" in page


def test_only_the_token_of_a_link_is_masked() -> None:
    text = "See https://a.example/v1/applications/app-1?token=Ab-_9x and ?tokens=keep &token=z#f"
    assert without_link_tokens(text) == (
        "See https://a.example/v1/applications/app-1?token=******** and ?tokens=keep "
        "&token=********#f"
    )
