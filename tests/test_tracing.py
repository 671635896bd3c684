"""One trace from a submission to the email it causes (issue 18), across three processes.

Registration, selection and notification run as their own processes, as operators run them,
each exporting its spans to a file of its own (``OTEL_TRACES_EXPORTER=console`` with
``ACADEMY_TRACES_FILE``). An application that cannot advance its costs goes: registration's HTTP
server span, its outbox relay's publish of ApplicationSubmitted, selection's consumer span (whose
screening finds it ineligible), selection's publish of ApplicationScreened, notification's
consumer span, and the send of the "not eligible" email; the webhook call that forwards the
screening to an integrator carries the same trace in its ``traceparent`` header. The test follows
that chain parent by parent under one trace id: a hop that lost the trace context (a relay that
did not write ``traceparent``, a dispatcher that did not resume the item's context) breaks it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from academy_contracts.events import ApplicationScreened, ApplicationSubmitted
from academy_contracts.registry import Topic, spec_for
from academy_kit.telemetry import TRACES_FILE
from tests.support.observe import MailSink, start_at_the_end
from tests.support.processes import ServiceProcess

pytestmark = pytest.mark.integration

OUT = Path(__file__).resolve().parents[1] / ".cache" / "tracing"
SERVICES = ("registration", "selection", "notification")
PUBLISH = f"{Topic.APPLICATIONS} publish"
PROCESS = f"{Topic.APPLICATIONS} process"
TEMPLATE = "academy.notification.template"


class Integrator:
    """A webhook endpoint that keeps the ``traceparent`` header of every call."""

    def __init__(self) -> None:
        self.traceparents: list[str] = []
        integrator = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                integrator.traceparents.append(self.headers.get("traceparent", ""))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class Span:
    process: str
    name: str
    kind: str
    trace_id: str
    span_id: str
    parent_id: str | None
    attributes: dict[str, Any]


def _spans(process: str, path: Path) -> list[Span]:
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        span = json.loads(line)
        found.append(
            Span(
                process,
                span["name"],
                span["kind"],
                span["trace_id"],
                span["span_id"],
                span["parent_id"],
                span["attributes"],
            )
        )
    return found


def _environment(
    name: str, uid: str, out: Path, mail_port: int, bootstrap: str, uri: str
) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "MONGODB_URI": uri,
        "ACADEMY_ENV": "development",
        "ACADEMY_DATABASE": f"t_trace_{name[:3]}_{uid}",
        "ACADEMY_CONSUMER_GROUP": f"t-trace-{name[:3]}-{uid}",
        "ACADEMY_LOG_LEVEL": "WARNING",
        "ACADEMY_SEED_FIRST_EDITION": "false",
        "ACADEMY_OUTBOX_POLL_SECONDS": "0.2",
        "ACADEMY_SMTP_HOST": "127.0.0.1",
        "ACADEMY_SMTP_PORT": str(mail_port),
        "ACADEMY_DISPATCH_POLL_SECONDS": "0.5",
        "ACADEMY_DIGEST_DAILY": "false",
        "OTEL_TRACES_EXPORTER": "console",
        TRACES_FILE: str(out / f"{name}.jsonl"),
        "ACADEMY_WEBHOOK_ALLOW_HTTP": "true",
        "ACADEMY_WEBHOOK_ALLOWED_TARGETS": '["127.0.0.1"]',
        "OTEL_BSP_SCHEDULE_DELAY": "200",
    }


async def _until(probe: Callable[[], Awaitable[Any]], what: str, timeout: float = 90.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (found := await probe()):
        assert loop.time() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(0.3)
    return found


def _one(spans: list[Span], what: str, **wanted: Any) -> Span:
    """The one span of ``spans`` whose fields (or attributes, as ``attr_<name>``) are
    ``wanted``."""

    def matches(span: Span) -> bool:
        for key, value in wanted.items():
            if key.startswith("attr_"):
                if span.attributes.get(key[5:].replace("__", ".")) != value:
                    return False
            elif getattr(span, key) != value:
                return False
        return True

    found = [span for span in spans if matches(span)]
    assert len(found) == 1, f"{what}: {len(found)} spans match {wanted}"
    return found[0]


async def test_one_trace_follows_a_submission_to_the_email_its_screening_causes(
    servers: Any,
    free_port: Callable[[], int],
    edition_form: Callable[..., dict[str, Any]],
    application_form: Callable[..., dict[str, Any]],
    staff_headers: Callable[..., dict[str, str]],
) -> None:
    uid = uuid.uuid4().hex[:8]
    out = OUT / uid
    out.mkdir(parents=True, exist_ok=True)
    mail_port = free_port()
    sink = MailSink(mail_port)
    sink.start()
    integrator = Integrator()
    integrator.start()
    processes: dict[str, ServiceProcess] = {}
    for name in SERVICES:
        env = _environment(name, uid, out, mail_port, servers.kafka_bootstrap, servers.mongodb_uri)
        await start_at_the_end(servers.kafka_bootstrap, env["ACADEMY_CONSUMER_GROUP"])
        processes[name] = ServiceProcess(name, free_port(), env, out / f"{name}.log")
    edition_id = f"trace-{uid}"
    form = application_form(edition_id, can_advance_costs=False)
    manager = form["participants"][0]["email"]
    files = {name: out / f"{name}.jsonl" for name in SERVICES}

    def spans() -> list[Span]:
        return [span for name, path in files.items() for span in _spans(name, path)]

    try:
        for process in processes.values():
            process.start()
        for process in processes.values():
            await process.wait_live()
        admin = staff_headers("admin")
        async with (
            httpx.AsyncClient(base_url=processes["registration"].url, timeout=10) as registration,
            httpx.AsyncClient(base_url=processes["selection"].url, timeout=10) as selection,
            httpx.AsyncClient(base_url=processes["notification"].url, timeout=10) as notification,
        ):
            screened_type = spec_for(ApplicationScreened).event_type
            hook = {"url": integrator.url, "event_types": [screened_type], "secret": "s" * 32}
            subscribed = await notification.post("/v1/webhooks", json=hook, headers=admin)
            assert subscribed.status_code == 201, subscribed.text
            created = await registration.post(
                "/v1/editions", json=edition_form(edition_id), headers=admin
            )
            assert created.status_code == 201, created.text

            async def edition_known() -> bool:
                policy = f"/v1/editions/{edition_id}/review-policy"
                return (await selection.get(policy, headers=admin)).status_code == 200

            # Screened on arrival, in the submission's trace (not later, in the edition's).
            await _until(edition_known, "selection knows the edition")
            submitted = await registration.post("/v1/applications", json=form)
            assert submitted.status_code == 201, submitted.text

        async def emailed() -> bool:
            return sink.count(manager, "not_eligible") > 0

        await _until(emailed, "the 'not eligible' email reaches the mail sink")

        async def sent_span() -> bool:
            return any(
                s.name == "smtp send"
                and s.attributes["academy.notification.template"] == "not_eligible"
                for s in spans()
            )

        await _until(sent_span, "notification exports the send span", timeout=30)

        async def called() -> bool:
            return bool(integrator.traceparents)

        await _until(called, "the integrator's webhook is called")
    finally:
        for process in processes.values():
            process.stop()
        sink.stop()
        integrator.stop()

    found = spans()
    server = _one(found, "registration's server span", name="POST /v1/applications", kind="SERVER")
    trace = [span for span in found if span.trace_id == server.trace_id]
    submitted_publish = _one(
        trace,
        "registration's relay publishes the submission",
        process="registration",
        name=PUBLISH,
        attr_cloudevents__event_type=spec_for(ApplicationSubmitted).event_type,
    )
    assert submitted_publish.parent_id == server.span_id
    # Selection also reads the screening it publishes (the same topic): pick by parent.
    screening = _one(
        trace,
        "selection handles the submission",
        process="selection",
        name=PROCESS,
        parent_id=submitted_publish.span_id,
    )
    assert screening.kind == "CONSUMER"
    screened_publish = _one(
        trace,
        "selection's relay publishes the screening",
        process="selection",
        name=PUBLISH,
        attr_cloudevents__event_type=spec_for(ApplicationScreened).event_type,
    )
    assert screened_publish.parent_id == screening.span_id
    notified = _one(
        trace,
        "notification handles the screening",
        process="notification",
        name=PROCESS,
        parent_id=screened_publish.span_id,
    )
    assert notified.kind == "CONSUMER"
    sends = [
        span
        for span in trace
        if span.process == "notification"
        and span.name == "smtp send"
        and span.attributes[TEMPLATE] == "not_eligible"
    ]
    assert sends, "notification's send of the email is in the submission's trace"
    assert {span.parent_id for span in sends} == {notified.span_id}
    [traceparent] = integrator.traceparents
    _, trace_id, call_id, _ = traceparent.split("-")
    assert trace_id == server.trace_id, "the webhook call carries the submission's trace"
    call = _one(trace, "notification's webhook call", process="notification", span_id=call_id)
    assert (call.name, call.kind, call.parent_id) == ("webhook POST", "CLIENT", notified.span_id)
