"""What a documents request can fail with. The rules and handlers raise these; the HTTP layer
turns each into a problem once (``entrypoints/api/errors.py``)."""

from __future__ import annotations


class Failure(Exception):
    """Base of every refusal the documents service reports to its caller."""


class UnknownCertificate(Failure):
    """No certificate has this reference: it is not genuine (or was mistyped)."""

    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class CertificateNotIssued(Failure):
    """The participant holds no certificate in force for the edition (yet, or any more)."""


class ParticipantNotFound(Failure):
    """No participant matches the application, participant id and link token; a wrong token
    and an unknown participant are not told apart."""


class EditionUnknown(Failure):
    def __init__(self, edition_id: str) -> None:
        super().__init__(edition_id)
        self.edition_id = edition_id


class UnknownSession(Failure):
    def __init__(self, edition_id: str, session_id: str, known: list[str]) -> None:
        super().__init__(session_id)
        self.edition_id, self.session_id, self.known = edition_id, session_id, known


class LetterUnavailable(Failure):
    """No visa letter for this person: ``not-participant`` (not a participant of the
    application) or ``not-confirmed`` (their cluster is not selected, or its place not
    confirmed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LetterNotRequested(Failure):
    """The participant has asked for no visa letter yet."""


class PassportDataInvalid(Failure):
    """The passport data a letter needs is missing or wrong: ``faults`` names each field at
    fault and why (``missing``, ``invalid``, ``expires-too-soon``)."""

    def __init__(self, faults: dict[str, str]) -> None:
        super().__init__(", ".join(faults))
        self.faults = faults
