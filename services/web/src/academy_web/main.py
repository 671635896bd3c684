"""The composition root: settings, catalogs, templates, the services' client, the middleware
every page passes through (language, CSRF cookie, security headers, metrics, correlation id),
the operations routes, and the pages."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException

from academy_kit import logs, telemetry
from academy_kit.web import CORRELATION_HEADER, request_seconds, requests_total
from academy_web import i18n, security, staff
from academy_web.pages import applications, call, common, companies, participants
from academy_web.rendering import environment, render
from academy_web.services import Services, Unavailable, visitor_address
from academy_web.settings import WebSettings

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"


def create_app(settings: WebSettings, services: Services | None = None) -> FastAPI:
    """The app; ``services`` replaces the HTTP client to the four services (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.refuse_weak_secrets()
        app.state.services = services or Services(settings)
        try:
            yield
        finally:
            await app.state.services.aclose()

    app = FastAPI(
        title="Cluster Academy web",
        description="Pages for applicants and participants",
        version="1.0.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    telemetry.instrument_app(app)
    app.state.translator = i18n.Translator(i18n.compile_catalogs())
    app.state.templates = environment(app.state.translator)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.middleware("http")
    async def every_page(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        chosen = request.query_params.get("lang")
        language = i18n.negotiate(
            chosen, request.cookies.get(i18n.COOKIE), request.headers.get("accept-language")
        )
        csrf_cookie = request.cookies.get(security.CSRF_COOKIE)
        request.state.csrf_cookie = csrf_cookie or security.new_csrf_secret()
        correlation = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        language_token = i18n.current.set(language)
        correlation_token = logs.correlation_id.set(correlation)
        visitor_token = visitor_address.set(request.client.host if request.client else None)
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            i18n.current.reset(language_token)
            logs.correlation_id.reset(correlation_token)
            visitor_address.reset(visitor_token)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        request_seconds.labels("web", request.method, route).observe(time.perf_counter() - started)
        requests_total.labels("web", request.method, route, str(response.status_code)).inc()
        if csrf_cookie is None:
            security.set_cookie(
                response,
                security.CSRF_COOKIE,
                request.state.csrf_cookie,
                secure=settings.cookie_secure,
            )
        if chosen == language and request.cookies.get(i18n.COOKIE) != language:
            security.set_cookie(response, i18n.COOKIE, language, secure=settings.cookie_secure)
        response.headers.update(security.HEADERS)
        response.headers["Content-Language"] = language
        response.headers[CORRELATION_HEADER] = correlation
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/health/live", include_in_schema=False)
    async def live() -> dict[str, str]:
        """The process runs and serves HTTP."""
        return {"status": "ok"}

    @app.get("/health/ready", include_in_schema=False)
    async def ready(request: Request) -> JSONResponse:
        """The services this front calls answer; 503 names the ones that do not."""
        checks = await request.app.state.services.live()
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.exception_handler(Unavailable)
    async def unavailable(request: Request, exc: Unavailable) -> Response:
        log.warning("a service is unavailable: %s", exc)
        return render(request, "error.html", 503, problem="unavailable")

    @app.exception_handler(common.CsrfRejected)
    async def csrf_rejected(request: Request, exc: common.CsrfRejected) -> Response:
        return render(request, "error.html", 403, problem="csrf")

    @app.exception_handler(common.LinkRejected)
    async def link_rejected(request: Request, exc: common.LinkRejected) -> Response:
        return render(request, "error.html", exc.status, problem="link", reason=exc.reason)

    @app.exception_handler(HTTPException)
    async def not_found(request: Request, exc: HTTPException) -> Response:
        problem = "not-found" if exc.status_code == 404 else "request"
        return render(request, "error.html", exc.status_code, problem=problem)

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        log.exception("page failed")
        return render(request, "error.html", 500, problem="internal")

    for router in (call.router, applications.router, companies.router, participants.router):
        app.include_router(router)
    staff.install(app, settings)
    return app


def main() -> None:
    settings = WebSettings()
    logs.configure(settings.service_name, settings.log_level)
    telemetry.configure(settings.service_name)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
