"""Each command failure as an RFC 9457 problem naming the field and what is allowed."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from academy_kit.idempotency import KeyReused
from academy_kit.problems import Problem
from academy_registration.domain.editions import quote_deadline, quote_instant
from academy_registration.domain.failures import (
    ApplicationNotFound,
    ApplicationWithdrawnAlready,
    CheckInClosed,
    ConcurrentChange,
    DuplicateApplication,
    EditionExists,
    Failure,
    NotSelected,
    RegistrationClosed,
    UnknownEdition,
    UnknownSession,
)


def problem(exc: Exception) -> Problem:
    match exc:
        case UnknownEdition():
            return Problem(
                404,
                "unknown-edition",
                "Unknown edition",
                f"There is no edition {exc.edition_id!r}.",
                field="edition_id",
                allowed=exc.known,
            )
        case RegistrationClosed():
            deadline = quote_deadline(exc.edition)
            return Problem(
                422,
                "registration-closed",
                "Registration is closed",
                f"Applications to edition {exc.edition.edition_id!r} closed on {deadline}.",
                field="edition_id",
                deadline=exc.edition.registration_deadline.isoformat(),
                time_zone=exc.edition.time_zone,
            )
        case DuplicateApplication():
            return Problem(
                409,
                "duplicate-application",
                "Cluster already applied",
                "This cluster (its ECCP id) already applied to this edition: application "
                f"{exc.existing_id}.",
                field="cluster.eccp_id",
                existing_application_id=exc.existing_id,
            )
        case KeyReused():
            return Problem(
                422,
                "idempotency-key-reused",
                "Idempotency-Key reused",
                "This Idempotency-Key was first used with a different request; use a new key.",
                field="Idempotency-Key",
            )
        case ApplicationNotFound():
            return Problem(
                404,
                "application-not-found",
                "Application not found",
                "No application matches this id and link token.",
            )
        case ApplicationWithdrawnAlready():
            return Problem(
                409,
                "application-withdrawn",
                "Application withdrawn",
                "The application was withdrawn; it can no longer be amended.",
            )
        case ConcurrentChange():
            return Problem(
                409,
                "concurrent-change",
                "Changed meanwhile",
                "The resource changed while this request was handled; read it and retry.",
            )
        case EditionExists():
            return Problem(
                409,
                "edition-exists",
                "Edition exists",
                f"Edition {exc.args[0]!r} exists already; change it with PUT.",
                field="edition_id",
            )
        case UnknownSession():
            return Problem(
                404,
                "unknown-session",
                "Unknown session",
                f"The edition has no session {exc.session_id!r}.",
                field="session_id",
                allowed=exc.known,
            )
        case NotSelected():
            return Problem(
                422,
                "not-selected",
                "Not a selected participant",
                f"Participant {exc.participant_id!r} is not in a cluster selected for edition "
                f"{exc.edition_id!r}.",
                field="participant_id",
            )
        case CheckInClosed():
            zone, session = exc.edition.time_zone, exc.session
            opens, closes = quote_instant(exc.opens_at, zone), quote_instant(session.ends_at, zone)
            return Problem(
                422,
                "check-in-closed",
                "Check-in is not open",
                f"Check-in for session {session.session_id!r} is open from {opens} until {closes}.",
                field="session_id",
                opens_at=exc.opens_at.isoformat(),
                closes_at=session.ends_at.isoformat(),
                time_zone=zone,
            )
    raise exc


FAILURES = (Failure, KeyReused)
"""Every failure a command reports; :func:`problem` maps each to its problem."""


def install(app: FastAPI) -> None:
    on_problem = app.exception_handlers[Problem]

    async def on_failure(request: Request, exc: Exception) -> JSONResponse:
        response: JSONResponse = await on_problem(request, problem(exc))  # type: ignore[misc]
        return response

    for failure in FAILURES:
        app.add_exception_handler(failure, on_failure)
