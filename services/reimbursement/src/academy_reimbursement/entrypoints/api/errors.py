"""Each reimbursement failure as an RFC 9457 problem that says what to do, naming the field and
what is allowed where there is one."""

from __future__ import annotations

from fastapi import FastAPI

from academy_kit.problems import Problem, install_failures
from academy_reimbursement.domain.failures import (
    AttendanceIncomplete,
    ClaimSubmittedAlready,
    DocumentNotInClaim,
    DocumentTooLarge,
    EditionUnknown,
    Failure,
    MissingRate,
    NoClaim,
    NoRateTable,
    NothingToPay,
    NotSelected,
    PaidWithOtherReference,
    ParticipantNotFound,
    RateTableChanged,
    SelectionRevoked,
    UnknownBatch,
    UnknownClaim,
    UnknownDocuments,
    UnknownLine,
    UnknownSession,
    UnsupportedDocument,
    WrongClaimState,
)


def problem(exc: Exception) -> Problem:
    match exc:
        case ParticipantNotFound():
            return Problem(
                404,
                "participant-not-found",
                "Participant not found",
                "No participant of this application has this id.",
            )
        case NotSelected():
            return Problem(
                403,
                "not-selected",
                "Not a selected participant",
                "Only participants of a selected cluster may claim their costs.",
            )
        case NoClaim():
            return Problem(404, "no-claim", "No claim", "This participant has not claimed yet.")
        case UnknownClaim():
            return Problem(
                404, "unknown-claim", "Unknown claim", f"There is no claim {exc.claim_id!r}."
            )
        case ClaimSubmittedAlready():
            return Problem(
                409,
                "claim-exists",
                "Claim already submitted",
                "A participant makes one claim per edition, and this one was submitted with "
                "other content; add documents to its lines instead.",
                claim_id=exc.claim_id,
            )
        case WrongClaimState():
            return Problem(
                409,
                "wrong-claim-state",
                "Not possible in the claim's state",
                f"The claim is {exc.state}; this needs it to be {' or '.join(exc.allowed)}.",
                state=exc.state,
                allowed=exc.allowed,
            )
        case UnknownLine():
            return Problem(
                404,
                "unknown-line",
                "Unknown expense line",
                f"The claim has no line {exc.line_id!r}.",
                field="line_id",
                allowed=exc.known,
            )
        case UnknownDocuments():
            return Problem(
                422,
                "unknown-document",
                "Unknown document",
                f"No document {', '.join(exc.unknown)} was uploaded by this participant.",
                field=exc.field,
                unknown=exc.unknown,
            )
        case DocumentNotInClaim():
            return Problem(
                404,
                "unknown-document",
                "Unknown document",
                f"The claim has no document {exc.document_id!r}.",
                field="document_id",
                allowed=exc.held,
            )
        case DocumentTooLarge():
            return Problem(
                413,
                "document-too-large",
                "Document too large",
                f"A supporting document may have at most {exc.max_bytes} bytes.",
                field="file",
                max_bytes=exc.max_bytes,
            )
        case UnsupportedDocument():
            return Problem(
                415,
                "unsupported-document-type",
                "Unsupported document type",
                f"A supporting document must be a PDF, JPEG or PNG file: {exc.reason}.",
                field="file",
                allowed=exc.allowed,
            )
        case EditionUnknown():
            return Problem(
                409,
                "edition-unknown",
                "Edition not known yet",
                f"Edition {exc.edition_id!r} has not been published to the reimbursement "
                "service, so its sessions are not known.",
            )
        case UnknownSession():
            return Problem(
                404,
                "unknown-session",
                "Unknown session",
                f"Edition {exc.edition_id!r} has no session {exc.session_id!r}.",
                field="session_id",
                allowed=exc.known,
            )
        case SelectionRevoked():
            return Problem(
                409,
                "selection-revoked",
                "Selection revoked",
                "The cluster's selection was revoked after the claim was submitted; only "
                "participants of a selected cluster are reimbursed. Reject the claim.",
            )
        case AttendanceIncomplete():
            return Problem(
                422,
                "attendance-incomplete",
                "Attendance incomplete",
                "Attendance of every session is compulsory: the claim is approved once every "
                "session has ended and each was attended or its absence excused.",
                not_ended=exc.not_ended,
                missed=exc.missed,
            )
        case MissingRate():
            return Problem(
                422,
                "missing-rate",
                "Exchange rate missing",
                f"The rate table has no {exc.currency} rate in force on {exc.on.isoformat()}; "
                "finance posts one, then approves again.",
                currency=exc.currency.value,
                expense_date=exc.on.isoformat(),
            )
        case RateTableChanged():
            return Problem(
                409,
                "rate-table-changed",
                "Rate table changed meanwhile",
                f"Version {exc.version} was published meanwhile; read it and post again.",
            )
        case NoRateTable():
            return Problem(404, "no-rate-table", "No rate table", "Finance has posted no rates.")
        case UnknownBatch():
            return Problem(
                404,
                "unknown-batch",
                "Unknown payment batch",
                f"There is no batch {exc.batch_id!r}.",
            )
        case NothingToPay():
            return Problem(
                409, "nothing-to-pay", "Nothing to pay", "No approved claim is waiting for payment."
            )
        case PaidWithOtherReference():
            return Problem(
                409,
                "paid-with-other-reference",
                "Paid under another reference",
                f"Batch {exc.batch_id!r} was recorded as paid by transfer {exc.reference!r}; "
                "a batch is paid once.",
                field="payment_reference",
                payment_reference=exc.reference,
            )
    raise exc


def install(app: FastAPI) -> None:
    install_failures(app, (Failure,), problem)
