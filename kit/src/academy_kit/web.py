"""The HTTP face every service shares: health, readiness, Prometheus metrics, correlation ids,
problem details, and the system's AsyncAPI document beside the service's own OpenAPI."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Annotated, Any, TypeVar

import uvicorn
from fastapi import Depends, FastAPI, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from faststream.kafka import KafkaBroker
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from academy_contracts import links
from academy_contracts.export import asyncapi_document
from academy_contracts.links import TOKEN_HEADER
from academy_kit import erasure, health, lease, logs, problems, protection, supervision, telemetry
from academy_kit.mongo import Document
from academy_kit.settings import ServiceSettings

T = TypeVar("T")

CORRELATION_HEADER = "X-Correlation-ID"


Offset = Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")]
"""A list's offset; bounded, since MongoDB refuses integers beyond 8 bytes (a 500 otherwise)."""
Limit = Annotated[int, Query(ge=1, le=500, description="Items per page.")]


def _link_token(
    header: Annotated[
        str | None, Header(alias=TOKEN_HEADER, description="The secret link token.")
    ] = None,
    token: Annotated[
        str | None, Query(description="The link token, as in the link sent by email.")
    ] = None,
) -> str | None:
    return header or token


LinkToken = Annotated[str | None, Depends(_link_token)]
"""The applicant's or participant's link token, from its header or from the link's ``?token=``;
each service checks it against what the route opens (:mod:`academy_contracts.links`)."""


async def _link_grant(request: Request, application_id: str, token: LinkToken) -> links.Grant:
    settings: ServiceSettings = request.app.state.settings
    grant = links.check(settings.link_secret, token, application_id)
    db: AsyncDatabase[Document] | None = getattr(request.app.state, "db", None)
    if db is not None and await erasure.is_erased(db, grant.application_id, grant.participant_id):
        raise links.LinkRefused(links.Refusal.ERASED)
    return grant


LinkGrant = Annotated[links.Grant, Depends(_link_grant)]
"""What the request's link token opens, its signature and expiry checked, and its person not
erased (the service's tombstones, :func:`academy_kit.erasure.is_erased`); the handler checks
that it opens the route's application or participant (:class:`academy_contracts.links.Grant`).
A token that fails a check is answered by :func:`link_problem`."""

_LINK_PROBLEMS: dict[links.Refusal, tuple[int, dict[str, tuple[str, str]]]] = {
    links.Refusal.EXPIRED: (
        401,
        {
            "en": ("Link expired", "This link has expired: ask for a new one by email."),
            "fr": ("Lien expiré", "Ce lien a expiré : demandez-en un nouveau par e-mail."),
        },
    ),
    links.Refusal.INVALID: (
        401,
        {
            "en": ("Invalid link", "This link is incomplete or was altered: ask for a new one."),
            "fr": (
                "Lien invalide",
                "Ce lien est incomplet ou a été modifié : demandez-en un nouveau.",
            ),
        },
    ),
    links.Refusal.RETIRED: (
        401,
        {
            "en": ("Link replaced", "Links are now personal: ask for your own link by email."),
            "fr": (
                "Lien remplacé",
                "Les liens sont désormais personnels : demandez le vôtre par e-mail.",
            ),
        },
    ),
    links.Refusal.OTHER_APPLICATION: (
        403,
        {
            "en": ("Not your application", "This link opens another application."),
            "fr": ("Pas votre candidature", "Ce lien ouvre une autre candidature."),
        },
    ),
    links.Refusal.OTHER_PERSON: (
        403,
        {
            "en": ("Not your claim", "This link opens only its own person's claim and documents."),
            "fr": (
                "Pas votre demande",
                "Ce lien n'ouvre que la demande et les pièces de sa propre personne.",
            ),
        },
    ),
    links.Refusal.ERASED: (
        410,
        {
            "en": (
                "Personal data erased",
                "The personal data this link led to was erased: it opens nothing any more.",
            ),
            "fr": (
                "Données personnelles effacées",
                "Les données personnelles auxquelles menait ce lien ont été effacées : il n'ouvre "
                "plus rien.",
            ),
        },
    ),
    links.Refusal.MANAGER_ONLY: (
        403,
        {
            "en": (
                "Cluster manager only",
                "Only the cluster manager's link manages the application and answers its offer.",
            ),
            "fr": (
                "Réservé au gestionnaire",
                "Seul le lien du gestionnaire du cluster gère la candidature et répond à l'offre.",
            ),
        },
    ),
}


def link_problem(request: Request, refused: links.LinkRefused) -> problems.Problem:
    """A refused link as a problem in the caller's language (French when ``Accept-Language``
    prefers it, English otherwise): 401 for a token that is no longer or never was good, 403
    for a good token used beyond its scope, 410 for the link of a person erased."""
    status, texts = _LINK_PROBLEMS[refused.refusal]
    language = caller_language(request)
    title, detail = texts[language]
    return problems.Problem(
        status,
        refused.refusal.value,
        title,
        detail,
        headers={"Content-Language": language, "Vary": "Accept-Language"},
    )


def caller_language(request: Request) -> str:
    """``fr`` when the caller's ``Accept-Language`` prefers French to English, else ``en``:
    the language of the problems a person may read."""
    return "fr" if problems.prefers_french(request) else "en"


def wired(name: str, kind: type[T]) -> Callable[[Request], T]:
    """A dependency giving what the service's lifespan put in ``app.state.<name>`` (a handler),
    checked to be a ``kind``: ``Annotated[Claims, Depends(web.wired("claims", Claims))]``."""

    def handler(request: Request) -> T:
        found = getattr(request.app.state, name)
        assert isinstance(found, kind)
        return found

    return handler


requests_total = Counter(
    "academy_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
request_seconds = Histogram(
    "academy_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)


def create_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]],
    broker: KafkaBroker,
    larger_bodies: Mapping[str, int] | None = None,
) -> FastAPI:
    """The app with the shared routes; ``app.state.settings`` is set for dependencies such as
    :class:`academy_kit.auth.StaffOnly`. Its start refuses weak secrets outside development
    (:meth:`ServiceSettings.refuse_weak_secrets`) and, on FerretDB, takes the database's writer
    lease (:mod:`academy_kit.lease`) before the service's own lifespan runs. Readiness asks the
    service's own ``broker`` and the database its lifespan puts in ``app.state.db``: no client
    is built per probe.
    Requests pass :mod:`academy_kit.protection` first; ``larger_bodies`` maps a path pattern
    (a regular expression of the whole path, e.g. an upload route) to its own body limit."""
    service = settings.service_name
    status = health.Health(service)

    @contextlib.asynccontextmanager
    async def reporting_lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.refuse_weak_secrets()
        with health.scope(status):
            async with lease.single_writer(settings), lifespan(app):
                yield

    # /docs and /redoc load their scripts from the service itself, not from a CDN: a
    # machine without internet (or a strict network policy) still shows them.
    app = FastAPIOffline(
        title=title, description=description, version="1.0.0", lifespan=reporting_lifespan
    )
    app.state.settings = settings
    app.state.health = status
    problems.install(app)

    @app.exception_handler(links.LinkRefused)
    async def on_link_refused(request: Request, exc: links.LinkRefused) -> JSONResponse:
        return problems.answer(request, link_problem(request, exc))

    protection.install(app, settings, larger_bodies or {})
    telemetry.instrument_app(app)
    asyncapi = asyncapi_document()

    @app.middleware("http")
    async def correlate(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        correlation = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        token = logs.correlation_id.set(correlation)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            logs.correlation_id.reset(token)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        request_seconds.labels(service, request.method, route).observe(
            time.perf_counter() - started
        )
        requests_total.labels(service, request.method, route, str(response.status_code)).inc()
        response.headers[CORRELATION_HEADER] = correlation
        return response

    @app.get("/health/live", tags=["operations"])
    async def live() -> dict[str, str]:
        """The process runs and serves HTTP."""
        return {"status": "ok"}

    @app.get("/health/ready", tags=["operations"])
    async def ready() -> JSONResponse:
        """The broker and the database answer and no part of the service reports itself stuck
        (:mod:`academy_kit.health`); 503 names what does not answer and what is stuck, why."""
        checks = {
            "kafka": await broker.ping(timeout=3),
            "mongodb": await _database_answers(getattr(app.state, "db", None)),
        }
        stuck = status.stuck()
        ok = all(checks.values()) and not stuck
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks, "stuck": stuck},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/asyncapi.json", tags=["operations"])
    async def asyncapi_json() -> dict[str, Any]:
        """The AsyncAPI 3 document of the Academy's events."""
        return asyncapi

    return app


def _cell(value: object) -> str:
    """Text as a spreadsheet shows it, never as a formula (CSV injection)."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(
    filename: str,
    columns: Sequence[str],
    rows: Iterable[Iterable[object]],
    *,
    bom: bool = False,
) -> Response:
    """A CSV download of ``rows`` under ``columns``, every cell made formula-safe. ``bom``
    prefixes a UTF-8 byte-order mark, so spreadsheets read accented names right."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


async def _database_answers(db: AsyncDatabase[Document] | None) -> bool:
    if db is None:
        return False
    try:
        await db.command("ping")
    except PyMongoError:
        return False
    return True


@contextlib.asynccontextmanager
async def background(**work: supervision.Work) -> AsyncIterator[None]:
    """Run each long-running ``work`` (a relay's, a dispatcher's or a sweep's ``run``, named by
    its keyword) under :func:`academy_kit.supervision.supervise` for the duration of the block:
    one that dies is restarted, never silently gone. Then cancel them all and wait for each."""
    tasks = [
        asyncio.create_task(supervision.supervise(name, run), name=name)
        for name, run in work.items()
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def serve(settings: ServiceSettings, create_app: Callable[[], FastAPI]) -> None:
    """Run a service: JSON logs and tracing (:mod:`academy_kit.telemetry`, before the app and
    its clients exist), then uvicorn on the configured address, taking the client's address from
    ``X-Forwarded-For`` only when a configured proxy sent it."""
    logs.configure(settings.service_name, settings.log_level)
    telemetry.configure(settings.service_name)
    uvicorn.run(
        create_app(),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
