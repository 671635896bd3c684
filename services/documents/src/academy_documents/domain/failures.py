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
