"""What a registration command can fail with; the HTTP layer turns each into a problem."""

from __future__ import annotations

from academy_contracts.events import EditionPublished


class UnknownEdition(Exception):
    def __init__(self, edition_id: str, known: list[str]) -> None:
        super().__init__(edition_id)
        self.edition_id, self.known = edition_id, known


class RegistrationClosed(Exception):
    def __init__(self, edition: EditionPublished) -> None:
        super().__init__(edition.edition_id)
        self.edition = edition


class ApplicationNotFound(Exception):
    """No application with this id, or not for this link token (the two are not told apart)."""


class ApplicationWithdrawnAlready(Exception):
    pass


class UnknownSession(Exception):
    def __init__(self, session_id: str, known: list[str]) -> None:
        super().__init__(session_id)
        self.session_id, self.known = session_id, known


class NotSelected(Exception):
    """The participant is not one of a cluster selected for the edition."""

    def __init__(self, edition_id: str, participant_id: str) -> None:
        super().__init__(participant_id)
        self.edition_id, self.participant_id = edition_id, participant_id
