"""Distributed tracing with OpenTelemetry: one trace from an HTTP request through the outbox and
Kafka to every consumer, and on to the emails and webhook calls the consumers cause.

Off unless ``OTEL_TRACES_EXPORTER`` names an exporter; the SDK reads its other standard variables
itself (``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_EXPORTER_OTLP_ENDPOINT`` and
``..._HEADERS``, ``OTEL_TRACES_SAMPLER``, ``OTEL_BSP_*``). :func:`configure` runs once per process
(from :func:`academy_kit.web.serve`), before the app and its clients are built, because the
PyMongo instrumentation registers a listener that only clients created afterwards get.

The maintained instrumentations make the spans where they exist: FastAPI (server spans), PyMongo
(one span per command), HTTPX (the web front's calls to the services) and
FastStream's Kafka middleware (a consumer span per record, whose parent is the record's
``traceparent`` header). Two hops have no instrumentation and are carried here:

- the outbox: an entry keeps the context of the request or message that wrote it
  (:func:`carrier`), and the relay's publish span (:mod:`academy_kit.outbox`) is its child and
  writes its own context into the record's ``traceparent`` header. W3C Trace Context in the
  protocol's own header is what the CloudEvents distributed-tracing extension asks carriers to
  keep, and what Kafka instrumentations read;
- work recorded now and done later (an email, a webhook call): the document keeps
  :func:`carrier`, and the worker runs inside :func:`resumed`; the SMTP send and the webhook
  POST (made with the standard library, to pin the checked address) are :func:`client_span`.

Query strings are left out of the URLs spans record: a personal link carries its token there.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import context, propagate, trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.pymongo import PymongoInstrumentor
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.trace import Span, SpanKind, format_span_id, format_trace_id

TRACES_FILE = "ACADEMY_TRACES_FILE"
"""Where the ``console`` exporter writes, one JSON span per line, instead of standard output
(which carries the JSON logs): how the tests read a process's spans."""
EXCLUDED_URLS = "health/,metrics"
"""Probes and scrapes, not worth a trace; ``OTEL_PYTHON_FASTAPI_EXCLUDED_URLS`` replaces them."""
_URL_ATTRIBUTES = ("http.url", "url.full")

_enabled = False


def configure(service_name: str) -> bool:
    """Trace this process if ``OTEL_TRACES_EXPORTER`` names ``otlp`` (OTLP over HTTP/protobuf,
    to ``OTEL_EXPORTER_OTLP_ENDPOINT``) and/or ``console``; ``none`` or unset leaves tracing off.
    The service is named ``academy-<service_name>`` unless ``OTEL_SERVICE_NAME`` says otherwise.
    Whether tracing is on."""
    global _enabled
    names = [n.strip() for n in os.environ.get("OTEL_TRACES_EXPORTER", "none").split(",")]
    exporters = [_exporter(name) for name in names if name and name != "none"]
    if _enabled or not exporters or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return _enabled
    named = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: f"academy-{service_name}"}
    provider = TracerProvider(resource=Resource.create(named))
    for exporter in exporters:
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    PymongoInstrumentor().instrument()
    HTTPXClientInstrumentor().instrument(async_request_hook=_hide_client_query)
    _enabled = True
    return True


def _exporter(name: str) -> SpanExporter:
    if name == "otlp":
        return OTLPSpanExporter()
    if name == "console":
        path = os.environ.get(TRACES_FILE)
        out: IO[str] = open(path, "a", encoding="utf-8") if path else sys.stdout  # noqa: SIM115 - open while the process lives
        return ConsoleSpanExporter(out=out, formatter=_json_line)
    raise ValueError(f"OTEL_TRACES_EXPORTER: unknown exporter {name!r} (otlp, console or none)")


def _json_line(span: ReadableSpan) -> str:
    """One span as a line of JSON. Not the SDK's ``to_json``: it fails on a bytes attribute (the
    Kafka record key FastStream records), and a failed span loses its whole export batch."""
    context = span.get_span_context()
    parent = span.parent
    return (
        json.dumps(
            {
                "name": span.name,
                "kind": span.kind.name,
                "trace_id": format_trace_id(context.trace_id) if context else None,
                "span_id": format_span_id(context.span_id) if context else None,
                "parent_id": format_span_id(parent.span_id) if parent else None,
                "start_time": span.start_time,
                "end_time": span.end_time,
                "status": span.status.status_code.name,
                "attributes": dict(span.attributes or {}),
                "service": span.resource.attributes.get(SERVICE_NAME),
            },
            default=_plain,
        )
        + "\n"
    )


def _plain(value: object) -> object:
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def enabled() -> bool:
    return _enabled


def instrument_app(app: FastAPI) -> None:
    """Give ``app`` server spans, when tracing is on."""
    if _enabled:
        FastAPIInstrumentor.instrument_app(
            app,
            server_request_hook=_hide_server_query,
            excluded_urls=os.environ.get("OTEL_PYTHON_FASTAPI_EXCLUDED_URLS", EXCLUDED_URLS),
        )


def broker_middlewares() -> tuple[KafkaTelemetryMiddleware, ...]:
    """FastStream's tracing middleware for a service's broker, when tracing is on: consumer
    spans continue the trace named by each record's ``traceparent``."""
    return (KafkaTelemetryMiddleware(),) if _enabled else ()


def tracer() -> trace.Tracer:
    return trace.get_tracer("academy_kit")


def client_span(name: str, attributes: Mapping[str, str | int]) -> AbstractContextManager[Span]:
    """A span around a call to a server no instrumentation covers (an SMTP send, a webhook
    POST); an exception leaving it is recorded on it."""
    return tracer().start_as_current_span(name, kind=SpanKind.CLIENT, attributes=attributes)


def carrier() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``, ``tracestate``), to keep with
    work that another task will do; empty when nothing is traced."""
    headers: dict[str, str] = {}
    propagate.inject(headers)
    return headers


@contextlib.contextmanager
def resumed(headers: Mapping[str, str] | None) -> Iterator[None]:
    """Run the block in the trace context ``headers`` kept (:func:`carrier`), so the spans it
    makes join the trace of the request or message that asked for the work."""
    token = context.attach(propagate.extract(dict(headers or {})))
    try:
        yield
    finally:
        context.detach(token)


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _hide_server_query(span: trace.Span, scope: dict[str, Any]) -> None:
    if span.is_recording() and scope.get("query_string"):
        _hide_query(span)


async def _hide_client_query(span: trace.Span, request: Any) -> None:
    if span.is_recording():
        _hide_query(span)


def _hide_query(span: trace.Span) -> None:
    attributes: Mapping[str, Any] = getattr(span, "attributes", None) or {}
    for name in _URL_ATTRIBUTES:
        if isinstance(attributes.get(name), str):
            span.set_attribute(name, _without_query(attributes[name]))
    if "url.query" in attributes:
        span.set_attribute("url.query", "")
    if "http.target" in attributes:
        span.set_attribute("http.target", str(attributes["http.target"]).split("?")[0])
