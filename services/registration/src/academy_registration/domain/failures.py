"""What a registration command can fail with; the HTTP layer turns each into a problem
(``entrypoints/api/errors.py``), so a new failure needs only its class and its problem."""

from __future__ import annotations

from datetime import datetime

from academy_contracts.events import EditionPublished, EditionSession


class Failure(Exception):
    """Base of every failure a registration command reports to its caller."""


class UnknownEdition(Failure):
    def __init__(self, edition_id: str, known: list[str]) -> None:
        super().__init__(edition_id)
        self.edition_id, self.known = edition_id, known


class RegistrationClosed(Failure):
    def __init__(self, edition: EditionPublished) -> None:
        super().__init__(edition.edition_id)
        self.edition = edition


class ApplicationNotFound(Failure):
    """No application with this id, or not for this link token (the two are not told apart)."""


class ApplicationWithdrawnAlready(Failure):
    pass


class UnknownSession(Failure):
    def __init__(self, session_id: str, known: list[str]) -> None:
        super().__init__(session_id)
        self.session_id, self.known = session_id, known


class NotSelected(Failure):
    """The participant is not one of a cluster selected for the edition."""

    def __init__(self, edition_id: str, participant_id: str) -> None:
        super().__init__(participant_id)
        self.edition_id, self.participant_id = edition_id, participant_id


class CheckInClosed(Failure):
    """The session's check-in is not open at this moment: the desk checks participants in from
    a set time before the session starts until it ends."""

    def __init__(
        self, edition: EditionPublished, session: EditionSession, opens_at: datetime
    ) -> None:
        super().__init__(session.session_id)
        self.edition, self.session, self.opens_at = edition, session, opens_at


class NotCheckedIn(Failure):
    """Undoing a check-in that was never recorded."""

    def __init__(self, session_id: str, participant_id: str) -> None:
        super().__init__(participant_id)
        self.session_id, self.participant_id = session_id, participant_id


class PassForAnotherEdition(Failure):
    """A check-in pass of a participant of another edition, shown at this edition's desk."""

    def __init__(self, edition_id: str, pass_edition_id: str) -> None:
        super().__init__(pass_edition_id)
        self.edition_id, self.pass_edition_id = edition_id, pass_edition_id


class DuplicateApplication(Failure):
    """The cluster (its ECCP id) already applied to the edition."""

    def __init__(self, existing_id: str) -> None:
        super().__init__(existing_id)
        self.existing_id = existing_id


class ConcurrentChange(Failure):
    """Another change to the document landed between the read and the write."""


class EditionExists(Failure):
    pass


class UnknownParticipant(Failure):
    """The application names no participant with this id."""

    def __init__(self, participant_id: str, known: list[str]) -> None:
        super().__init__(participant_id)
        self.participant_id, self.known = participant_id, known
