"""What every service's HTTP face does before a handler runs: security headers, bounded bodies
and a rate limit on anonymous writes. Pure ASGI middlewares, so they act on the raw request
before FastAPI reads or parses anything.

- **Headers.** Every response says ``X-Content-Type-Options: nosniff`` (a browser never guesses
  an uploaded "PDF" to be HTML) and ``Referrer-Policy: no-referrer`` (applicants' pages carry their
  link token in the URL; a link they follow must not hand it over). HTML responses also get a
  Content-Security-Policy that allows no script and no framing, and ``X-Frame-Options: DENY`` for
  older browsers; the API docs pages
  (served from the service itself) also allow their inline start-up script.
- **Bodies.** A request whose ``Content-Length`` is over the limit gets 413 before anything reads
  it; a body streamed without a length is counted as it is read and refused once over the limit,
  so a 50 MB body with a wrong token is never buffered. Routes that take uploads have a larger
  limit of their own (``larger_bodies``: a path pattern and its limit).
- **Anonymous writes.** POST, PUT, PATCH and DELETE without an ``Authorization`` header (applicants,
  robots) are limited per client address, in a moving one-minute window (the ``limits`` library);
  over it, 429 with ``Retry-After``. Staff, who sign their requests, are not limited. The client
  address is the one uvicorn gives: the peer's, or the ``X-Forwarded-For`` address a trusted proxy
  (``forwarded_allow_ips``, the web front) names, so every visitor of the pages has a budget.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from academy_kit import problems
from academy_kit.settings import ServiceSettings

HTML_POLICY = (
    "default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc"})
"""Where ``FastAPIOffline`` serves the API docs (it leaves ``app.docs_url`` unset)."""
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SecurityHeaders:
    """Add the security headers of the module doc to every response."""

    def __init__(self, app: ASGIApp, docs_paths: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.docs_paths = docs_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if headers.get("content-type", "").startswith("text/html"):
                    docs = scope["path"] in self.docs_paths
                    headers["Content-Security-Policy"] = DOCS_POLICY if docs else HTML_POLICY
                    headers["X-Frame-Options"] = "DENY"
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyTooLarge(HTTPException):
    """Raised while a body without a declared length is read past its limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, _too_large_detail(limit))
        self.limit = limit


def _too_large_detail(limit: int) -> str:
    return f"The request body may have at most {limit} bytes."


def _too_large(instance: str, limit: int) -> JSONResponse:
    return problems.response(
        instance,
        413,
        "body-too-large",
        "Request body too large",
        _too_large_detail(limit),
        max_bytes=limit,
    )


class BodyLimit:
    """Refuse bodies over ``default`` bytes, or over the limit of the first ``larger`` pattern
    that matches the whole path."""

    def __init__(self, app: ASGIApp, default: int, larger: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.larger = [(re.compile(pattern), limit) for pattern, limit in larger.items()]

    def limit_for(self, path: str) -> int:
        return next((n for pattern, n in self.larger if pattern.fullmatch(path)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(scope["path"], limit)(scope, receive, send)
            return
        read = 0

        async def counted() -> Message:
            nonlocal read
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:
                    # FastAPI lets an HTTPException from reading the body through to the app's
                    # handlers, which answer it as a problem (see problems.install).
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)


class AnonymousWriteLimit:
    """At most ``per_minute`` unsigned writes per client address (see the module doc)."""

    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.rate = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in _WRITES
            and "authorization" not in Headers(scope=scope)
        ):
            client = scope.get("client")
            address = client[0] if client else "unknown"
            if not await self.limiter.hit(self.rate, address):
                stats = await self.limiter.get_window_stats(self.rate, address)
                wait = max(1, math.ceil(stats.reset_time - time.time()))
                response = problems.response(
                    scope["path"],
                    429,
                    "too-many-requests",
                    "Too many requests",
                    f"At most {self.rate.amount} requests without sign-in per minute from one "
                    f"address; try again in {wait} s.",
                    retry_after_seconds=wait,
                )
                response.headers["Retry-After"] = str(wait)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(app: FastAPI, settings: ServiceSettings, larger_bodies: Mapping[str, int]) -> None:
    """Put the middlewares of the module doc in front of ``app``; the headers outermost, so
    refusals carry them too."""

    @app.exception_handler(BodyTooLarge)
    async def on_too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return _too_large(request.url.path, exc.limit)

    app.add_middleware(BodyLimit, default=settings.max_body_bytes, larger=larger_bodies)
    if settings.anonymous_writes_per_minute:
        app.add_middleware(AnonymousWriteLimit, per_minute=settings.anonymous_writes_per_minute)
    app.add_middleware(SecurityHeaders, docs_paths=DOCS_PATHS)
