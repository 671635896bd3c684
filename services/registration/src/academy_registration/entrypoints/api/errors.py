"""Each command failure as an RFC 9457 problem naming the field and what is allowed."""

from __future__ import annotations

from fastapi import FastAPI

from academy_kit.idempotency import KeyReused
from academy_kit.problems import Problem, ProblemType, install_failures
from academy_registration.domain.editions import quote_deadline, quote_instant
from academy_registration.domain.failures import (
    ApplicationNotFound,
    ApplicationWithdrawnAlready,
    CheckInClosed,
    ConcurrentChange,
    DuplicateApplication,
    EditionExists,
    Failure,
    NotCheckedIn,
    NotSelected,
    PassForAnotherEdition,
    RegistrationClosed,
    UnknownEdition,
    UnknownParticipant,
    UnknownSession,
)

UNKNOWN_EDITION = ProblemType(404, "unknown-edition", "Unknown edition")
REGISTRATION_CLOSED = ProblemType(422, "registration-closed", "Registration is closed")
DUPLICATE_APPLICATION = ProblemType(409, "duplicate-application", "Cluster already applied")
KEY_REUSED = ProblemType(422, "idempotency-key-reused", "Idempotency-Key reused")
APPLICATION_NOT_FOUND = ProblemType(
    404, "application-not-found", "Application not found", "Candidature introuvable"
)
UNKNOWN_PARTICIPANT = ProblemType(
    404, "unknown-participant", "Unknown participant", "Participant inconnu"
)
APPLICATION_WITHDRAWN = ProblemType(409, "application-withdrawn", "Application withdrawn")
CONCURRENT_CHANGE = ProblemType(409, "concurrent-change", "Changed meanwhile")
EDITION_EXISTS = ProblemType(409, "edition-exists", "Edition exists")
UNKNOWN_SESSION = ProblemType(404, "unknown-session", "Unknown session")
NOT_SELECTED = ProblemType(422, "not-selected", "Not a selected participant")
CHECK_IN_CLOSED = ProblemType(422, "check-in-closed", "Check-in is not open")
NOT_CHECKED_IN = ProblemType(404, "not-checked-in", "Not checked in")
PASS_OTHER_EDITION = ProblemType(422, "pass-other-edition", "A pass for another edition")


def problem(exc: Exception) -> Problem:
    match exc:
        case UnknownEdition():
            return UNKNOWN_EDITION(
                f"There is no edition {exc.edition_id!r}.", field="edition_id", allowed=exc.known
            )
        case RegistrationClosed():
            edition = exc.edition
            return REGISTRATION_CLOSED(
                f"Applications to edition {edition.edition_id!r} closed on "
                f"{quote_deadline(edition)}.",
                field="edition_id",
                deadline=edition.registration_deadline.isoformat(),
                time_zone=edition.time_zone,
            )
        case DuplicateApplication():
            return DUPLICATE_APPLICATION(
                "This cluster (its ECCP id) already applied to this edition: application "
                f"{exc.existing_id}.",
                field="cluster.eccp_id",
                existing_application_id=exc.existing_id,
            )
        case KeyReused():
            return KEY_REUSED(
                "This Idempotency-Key was first used with a different request; use a new key.",
                field="Idempotency-Key",
            )
        case ApplicationNotFound():
            return APPLICATION_NOT_FOUND(
                "No application matches this id and link token.",
                french="Aucune candidature ne correspond à cet identifiant et à ce lien.",
            )
        case UnknownParticipant():
            return UNKNOWN_PARTICIPANT(
                f"The application names no participant {exc.participant_id!r}.",
                french=f"La candidature ne nomme aucun participant {exc.participant_id!r}.",
                field="participant_ids",
                allowed=exc.known,
            )
        case ApplicationWithdrawnAlready():
            return APPLICATION_WITHDRAWN(
                "The application was withdrawn; it can no longer be amended."
            )
        case ConcurrentChange():
            return CONCURRENT_CHANGE(
                "The resource changed while this request was handled; read it and retry."
            )
        case EditionExists():
            return EDITION_EXISTS(
                f"Edition {exc.args[0]!r} exists already; change it with PUT.", field="edition_id"
            )
        case UnknownSession():
            return UNKNOWN_SESSION(
                f"The edition has no session {exc.session_id!r}.",
                field="session_id",
                allowed=exc.known,
            )
        case NotSelected():
            return NOT_SELECTED(
                f"Participant {exc.participant_id!r} is not in a cluster selected for edition "
                f"{exc.edition_id!r}.",
                field="participant_id",
            )
        case NotCheckedIn():
            return NOT_CHECKED_IN(
                f"Participant {exc.participant_id!r} was never checked in at session "
                f"{exc.session_id!r}: there is nothing to undo.",
                field="participant_id",
            )
        case PassForAnotherEdition():
            return PASS_OTHER_EDITION(
                f"This check-in pass is for edition {exc.pass_edition_id!r}, not "
                f"{exc.edition_id!r}.",
                field="check_in_pass",
                pass_edition_id=exc.pass_edition_id,
            )
        case CheckInClosed():
            zone, session = exc.edition.time_zone, exc.session
            opens, closes = quote_instant(exc.opens_at, zone), quote_instant(session.ends_at, zone)
            return CHECK_IN_CLOSED(
                f"Check-in for session {session.session_id!r} is open from {opens} until {closes}.",
                field="session_id",
                opens_at=exc.opens_at.isoformat(),
                closes_at=session.ends_at.isoformat(),
                time_zone=zone,
            )
    raise exc


def install(app: FastAPI) -> None:
    """Answer every failure a command reports (the domain's, and a reused Idempotency-Key)."""
    install_failures(app, (Failure, KeyReused), problem)
