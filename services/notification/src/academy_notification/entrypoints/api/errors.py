"""Each notification failure as an RFC 9457 problem naming the field and what is allowed."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from academy_kit.problems import Problem
from academy_notification.domain.failures import (
    DeliveryNotFound,
    EmptyPeriod,
    Failure,
    MessageNotFound,
    SubscriptionNotFound,
    TargetRefused,
)


def problem(exc: Failure) -> Problem:
    match exc:
        case MessageNotFound():
            return Problem(404, "not-found", "No such message", f"No message {exc.message_id!r}.")
        case DeliveryNotFound():
            return Problem(
                404, "not-found", "No such delivery", f"No webhook delivery {exc.delivery_id!r}."
            )
        case SubscriptionNotFound():
            return Problem(
                404,
                "not-found",
                "No such subscription",
                f"No webhook subscription {exc.subscription_id!r}.",
            )
        case EmptyPeriod():
            return Problem(
                422,
                "validation",
                "Invalid request",
                "Invalid value for: since",
                errors=[{"field": "since", "message": "since must be before until"}],
            )
        case TargetRefused():
            return Problem(
                422,
                "validation",
                "Invalid request",
                "Invalid value for: url",
                errors=[{"field": "url", "message": exc.reason}],
            )
    raise exc


def install(app: FastAPI) -> None:
    on_problem = app.exception_handlers[Problem]

    async def on_failure(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Failure)
        response: JSONResponse = await on_problem(request, problem(exc))  # type: ignore[misc]
        return response

    app.add_exception_handler(Failure, on_failure)
