"""Each documents failure as an RFC 9457 problem that says what to do."""

from __future__ import annotations

from fastapi import FastAPI

from academy_documents.domain.failures import (
    CertificateNotIssued,
    EditionUnknown,
    Failure,
    ParticipantNotFound,
    UnknownCertificate,
    UnknownSession,
)
from academy_kit.problems import Problem, ProblemType, install_failures

UNKNOWN_CERTIFICATE = ProblemType(404, "unknown-certificate", "No such certificate")
CERTIFICATE_NOT_ISSUED = ProblemType(404, "certificate-not-issued", "No certificate in force")
PARTICIPANT_NOT_FOUND = ProblemType(404, "participant-not-found", "Participant not found")
EDITION_UNKNOWN = ProblemType(409, "edition-unknown", "Edition not known yet")
UNKNOWN_SESSION = ProblemType(404, "unknown-session", "Unknown session")


def problem(exc: Exception) -> Problem:
    match exc:
        case UnknownCertificate():
            return UNKNOWN_CERTIFICATE(
                f"No certificate of the Cluster Academy has the reference {exc.reference!r}: "
                "it is not genuine, or the reference was mistyped."
            )
        case CertificateNotIssued():
            return CERTIFICATE_NOT_ISSUED(
                "A certificate is issued after the edition's last session to participants "
                "who attended every session; this participant holds none in force."
            )
        case ParticipantNotFound():
            return PARTICIPANT_NOT_FOUND(
                "No participant matches this application, participant id and link token."
            )
        case EditionUnknown():
            return EDITION_UNKNOWN(
                f"Edition {exc.edition_id!r} has not been published to the documents service."
            )
        case UnknownSession():
            return UNKNOWN_SESSION(
                f"Edition {exc.edition_id!r} has no session {exc.session_id!r}.",
                field="session_id",
                allowed=exc.known,
            )
    raise exc


def install(app: FastAPI) -> None:
    install_failures(app, (Failure,), problem)
