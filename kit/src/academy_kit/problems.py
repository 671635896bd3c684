"""RFC 9457 problem details for every 4xx/5xx a service answers.

Validation errors name each field (a dotted path into the body), say what is wrong, and list the
allowed values when the field is an enum, so a client can fix its request without the docs.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:cluster-academy:problem:"

log = logging.getLogger(__name__)


class Problem(Exception):
    """Raise to answer with a problem document; ``extra`` members are added to it."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        french: tuple[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.kind = kind
        self.title = title
        self.detail = detail
        self.headers = headers or {}
        self.french = french
        """The title and detail in French, for a caller whose ``Accept-Language`` prefers it."""
        self.extra = extra


@dataclass(frozen=True)
class ProblemType:
    """One kind of refusal a service answers with: its status, type and title, written once in
    the service's table of problems; calling it with the detail of one occurrence (and any
    extra members) makes the :class:`Problem`."""

    status: int
    kind: str
    title: str
    french_title: str | None = None

    def __call__(self, detail: str, *, french: str | None = None, **extra: Any) -> Problem:
        """The problem; with ``french`` (the detail in French) and a French title, it answers
        in the caller's language."""
        both = (self.french_title, french) if self.french_title and french else None
        return Problem(self.status, self.kind, self.title, detail, french=both, **extra)


def response(
    instance: str, status: int, kind: str, title: str, detail: str, **extra: Any
) -> JSONResponse:
    """The problem document answering a request for the path ``instance``."""
    body = {
        "type": TYPE_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def _response(
    request: Request, status: int, kind: str, title: str, detail: str, **extra: Any
) -> JSONResponse:
    return response(request.url.path, status, kind, title, detail, **extra)


def prefers_french(request: Request) -> bool:
    """Whether the caller's ``Accept-Language`` names French before English (English else)."""
    for part in request.headers.get("accept-language", "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("fr"):
            return True
        if tag.startswith("en"):
            return False
    return False


def answer(request: Request, problem: Problem) -> JSONResponse:
    """The response of ``problem`` to ``request``, with the problem's own headers; in French
    when the problem has French words and the caller prefers them."""
    title, detail, headers = problem.title, problem.detail, dict(problem.headers)
    if problem.french is not None:
        french = prefers_french(request)
        if french:
            title, detail = problem.french
        headers.update({"Content-Language": "fr" if french else "en", "Vary": "Accept-Language"})
    answer = _response(request, problem.status, problem.kind, title, detail, **problem.extra)
    answer.headers.update(headers)
    return answer


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    location = [str(part) for part in error["loc"]]
    if location and location[0] in {"body", "query", "path", "header"}:
        location = location[1:]
    item: dict[str, Any] = {"field": ".".join(location) or "body", "message": error["msg"]}
    expected = (error.get("ctx") or {}).get("expected")
    if error.get("type") == "enum" and isinstance(expected, str):
        item["allowed"] = re.findall(r"'([^']*)'", expected)
    return item


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return answer(request, exc)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        fields = ", ".join(e["field"] for e in errors)
        return _response(
            request,
            422,
            "validation",
            "Invalid request",
            f"Invalid value for: {fields}",
            errors=errors,
        )

    @app.exception_handler(HTTPException)
    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        response = _response(
            request, exc.status_code, f"http-{exc.status_code}", str(exc.detail), str(exc.detail)
        )
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _response(
            request,
            500,
            "internal",
            "Internal error",
            "The request could not be completed; nothing was changed.",
        )


def install_failures(
    app: FastAPI,
    failures: type[Exception] | tuple[type[Exception], ...],
    to_problem: Callable[[Exception], Problem],
) -> None:
    """Answer every exception of ``failures`` (a service's domain failures) with the problem
    ``to_problem`` makes of it: the one place a service maps its refusals to HTTP."""

    async def on_failure(request: Request, exc: Exception) -> JSONResponse:
        return answer(request, to_problem(exc))

    for failure in failures if isinstance(failures, tuple) else (failures,):
        app.add_exception_handler(failure, on_failure)
