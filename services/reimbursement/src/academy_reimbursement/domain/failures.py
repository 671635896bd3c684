"""What a reimbursement command can fail with. The rules and handlers raise these; the HTTP
layer turns each into a problem once (``entrypoints/api/errors.py``), so a new refusal needs
only its class here and its problem there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from academy_contracts.values import Currency


class Failure(Exception):
    """Base of every refusal the reimbursement service reports to its caller."""


class ParticipantNotFound(Failure):
    """The application names no such participant (or not yet: the cohort is learnt from the
    selection's events)."""


class NotSelected(Failure):
    """The participant's cluster is not (or no longer) selected: only they may claim."""


class NoClaim(Failure):
    """The participant has not claimed yet."""


class UnknownClaim(Failure):
    def __init__(self, claim_id: str) -> None:
        super().__init__(claim_id)
        self.claim_id = claim_id


class ClaimSubmittedAlready(Failure):
    """The participant's one claim for the edition was submitted with other content."""

    def __init__(self, claim_id: str) -> None:
        super().__init__(claim_id)
        self.claim_id = claim_id


class WrongClaimState(Failure):
    """The claim is not in a state that allows this step."""

    def __init__(self, state: str, allowed: Sequence[str]) -> None:
        super().__init__(state)
        self.state, self.allowed = state, list(allowed)


class UnknownLine(Failure):
    def __init__(self, line_id: str, known: list[str]) -> None:
        super().__init__(line_id)
        self.line_id, self.known = line_id, known


class UnknownDocuments(Failure):
    """The request names documents this participant never uploaded."""

    def __init__(self, unknown: list[str], field: str) -> None:
        super().__init__(", ".join(unknown))
        self.unknown, self.field = unknown, field


class DocumentNotInClaim(Failure):
    def __init__(self, document_id: str, held: list[str]) -> None:
        super().__init__(document_id)
        self.document_id, self.held = document_id, held


class DocumentTooLarge(Failure):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes)
        self.max_bytes = max_bytes


class UnsupportedDocument(Failure):
    """The file is none of the accepted types, judged by parsing its content."""

    def __init__(self, allowed: list[str], reason: str) -> None:
        super().__init__(reason)
        self.allowed, self.reason = allowed, reason


class EditionUnknown(Failure):
    """The edition was never published to this service, so its sessions are not known."""

    def __init__(self, edition_id: str) -> None:
        super().__init__(edition_id)
        self.edition_id = edition_id


class UnknownSession(Failure):
    def __init__(self, edition_id: str, session_id: str, known: list[str]) -> None:
        super().__init__(session_id)
        self.edition_id, self.session_id, self.known = edition_id, session_id, known


class SelectionRevoked(Failure):
    """The cluster's selection was revoked after the claim was submitted."""


class AttendanceIncomplete(Failure):
    """A session has not ended yet, or was neither attended nor excused."""

    def __init__(self, not_ended: list[str], missed: list[str]) -> None:
        super().__init__(not_ended, missed)
        self.not_ended, self.missed = not_ended, missed


class MissingRate(Failure):
    """The rate table has no rate of this currency in force on this date; nothing is guessed."""

    def __init__(self, currency: Currency, on: date) -> None:
        super().__init__(f"no {currency} rate in force on {on.isoformat()}")
        self.currency, self.on = currency, on


class RateTableChanged(Failure):
    """Another version of the rate table was published meanwhile."""

    def __init__(self, version: int) -> None:
        super().__init__(version)
        self.version = version


class NoRateTable(Failure):
    """Finance has posted no rate table yet."""


class UnknownBatch(Failure):
    def __init__(self, batch_id: str) -> None:
        super().__init__(batch_id)
        self.batch_id = batch_id


class NothingToPay(Failure):
    """No approved claim is waiting for a payment batch."""


class PaidWithOtherReference(Failure):
    """The batch was recorded as paid already, under another transfer reference."""

    def __init__(self, batch_id: str, reference: str) -> None:
        super().__init__(batch_id)
        self.batch_id, self.reference = batch_id, reference
