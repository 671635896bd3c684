"""Each documents failure as an RFC 9457 problem that says what to do. The refusals a
participant meets on their own page (the visa letter's) are written in French or English, as
the caller's ``Accept-Language`` prefers."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from academy_documents.domain.failures import (
    CertificateNotIssued,
    EditionUnknown,
    Failure,
    LetterNotRequested,
    LetterUnavailable,
    ParticipantNotFound,
    PassportDataInvalid,
    UnknownCertificate,
    UnknownSession,
)
from academy_kit.problems import Problem, ProblemType, answer, install_failures
from academy_kit.web import caller_language

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


LETTER_PROBLEMS: dict[str, tuple[int, dict[str, tuple[str, str]]]] = {
    "not-participant": (
        404,
        {
            "en": ("Participant not found", "No participant of this application has this id."),
            "fr": (
                "Participant introuvable",
                "Aucun participant de ce dossier n’a cet identifiant.",
            ),
        },
    ),
    "not-confirmed": (
        409,
        {
            "en": (
                "No letter yet",
                "Invitation letters are for participants of selected clusters that have "
                "confirmed their place.",
            ),
            "fr": (
                "Pas encore de lettre",
                "Les lettres d’invitation sont réservées aux participants des clusters "
                "sélectionnés qui ont confirmé leur place.",
            ),
        },
    ),
    "letter-not-requested": (
        404,
        {
            "en": ("No letter", "You have not asked for an invitation letter yet."),
            "fr": ("Aucune lettre", "Vous n’avez pas encore demandé de lettre d’invitation."),
        },
    ),
    "passport-data-invalid": (
        422,
        {
            "en": (
                "Passport data to correct",
                "Correct the passport data shown: no letter was made.",
            ),
            "fr": (
                "Données du passeport à corriger",
                "Corrigez les données du passeport signalées : aucune lettre n’a été faite.",
            ),
        },
    ),
}
FIELD_MESSAGES: dict[tuple[str, str], dict[str, str]] = {
    ("passport_number", "missing"): {
        "en": "Give your passport number.",
        "fr": "Indiquez votre numéro de passeport.",
    },
    ("passport_number", "invalid"): {
        "en": "A passport number has 6 to 12 letters and digits.",
        "fr": "Un numéro de passeport compte de 6 à 12 lettres et chiffres.",
    },
    ("nationality", "missing"): {
        "en": "Choose your nationality.",
        "fr": "Choisissez votre nationalité.",
    },
    ("nationality", "invalid"): {
        "en": "Choose a nationality from the list (a two-letter country code).",
        "fr": "Choisissez une nationalité dans la liste (un code de pays à deux lettres).",
    },
    ("date_of_birth", "missing"): {
        "en": "Give your date of birth.",
        "fr": "Indiquez votre date de naissance.",
    },
    ("date_of_birth", "invalid"): {
        "en": "Give your date of birth, a date in the past (YYYY-MM-DD).",
        "fr": "Indiquez votre date de naissance, une date passée (AAAA-MM-JJ).",
    },
    ("passport_expires_on", "missing"): {
        "en": "Give the date your passport expires.",
        "fr": "Indiquez la date d’expiration de votre passeport.",
    },
    ("passport_expires_on", "invalid"): {
        "en": "Give the date your passport expires (YYYY-MM-DD).",
        "fr": "Indiquez la date d’expiration de votre passeport (AAAA-MM-JJ).",
    },
    ("passport_expires_on", "expires-too-soon"): {
        "en": "Your passport must be valid until the last session ends.",
        "fr": "Votre passeport doit être valide jusqu’à la fin de la dernière session.",
    },
}


def letter_problem(exc: Exception, language: str) -> Problem:
    """A refusal of the visa letter, in ``language`` (``fr`` or ``en``)."""
    extra: dict[str, Any] = {}
    match exc:
        case LetterUnavailable():
            kind = exc.reason
        case LetterNotRequested():
            kind = "letter-not-requested"
        case PassportDataInvalid():
            kind = "passport-data-invalid"
            extra["errors"] = [
                {
                    "field": field,
                    "reason": reason,
                    "message": FIELD_MESSAGES[field, reason][language],
                }
                for field, reason in exc.faults.items()
            ]
        case _:
            raise exc
    status, texts = LETTER_PROBLEMS[kind]
    title, detail = texts[language]
    return Problem(
        status,
        kind,
        title,
        detail,
        headers={"Content-Language": language, "Vary": "Accept-Language"},
        **extra,
    )


def install(app: FastAPI) -> None:
    install_failures(app, (Failure,), problem)

    async def on_letter_refused(request: Request, exc: Exception) -> JSONResponse:
        return answer(request, letter_problem(exc, caller_language(request)))

    for refusal in (LetterUnavailable, LetterNotRequested, PassportDataInvalid):
        app.add_exception_handler(refusal, on_letter_refused)
