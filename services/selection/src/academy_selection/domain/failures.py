"""What the selection service can refuse, one class per refusal. The domain and the handlers
raise them; the HTTP edge (``entrypoints/errors.py``) turns each into its problem once, so a new
refusal needs only its class here and its problem there."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from academy_contracts.values import Country
from academy_selection.domain.applications import Application
from academy_selection.domain.balance import Relaxation


class SelectionFailure(Exception):
    """Base of every refusal the selection service reports to its caller."""


class UnknownEdition(SelectionFailure):
    def __init__(self, edition_id: str) -> None:
        super().__init__(edition_id)
        self.edition_id = edition_id


class UnknownApplication(SelectionFailure):
    def __init__(self, application_id: str) -> None:
        super().__init__(application_id)
        self.application_id = application_id


class NotScreened(SelectionFailure):
    """The application is known but waits for its edition, so it has no screening yet."""

    def __init__(self, application_id: str) -> None:
        super().__init__(application_id)
        self.application_id = application_id


# Reviews


class RubricInUse(SelectionFailure):
    """Reviews were scored on the current criteria, so they cannot change."""

    def __init__(self, criteria: Sequence[dict[str, Any]]) -> None:
        super().__init__("criteria")
        self.criteria = list(criteria)
        """The criteria in force, as JSON."""


class NotReviewable(SelectionFailure):
    """Only eligible applications still in the running are reviewed."""

    def __init__(self, application: Application) -> None:
        super().__init__(application.application_id)
        self.application = application


class ReviewsClosed(SelectionFailure):
    """The edition's selection is published: reviews can no longer change it."""

    def __init__(self, edition_id: str) -> None:
        super().__init__(edition_id)
        self.edition_id = edition_id


class NotOnCommittee(SelectionFailure):
    """The reviewer is not on the committee the edition's review policy lists."""

    def __init__(self, reviewer: str, edition_id: str, committee: Sequence[str]) -> None:
        super().__init__(reviewer)
        self.reviewer, self.edition_id, self.committee = reviewer, edition_id, list(committee)


class CountryConflict(SelectionFailure):
    """The reviewer belongs to the cluster's country (the policy's conflict-of-interest rule)."""

    def __init__(self, country: Country) -> None:
        super().__init__(country)
        self.country = country


class DeclaredConflict(SelectionFailure):
    """The reviewer recused themselves from the application, or an admin recorded a conflict."""

    def __init__(self, reviewer: str, application_id: str) -> None:
        super().__init__(reviewer)
        self.reviewer, self.application_id = reviewer, application_id


class InvalidScores(SelectionFailure):
    """Scores that do not fit the rubric: one entry per field, naming the allowed values."""

    def __init__(self, errors: list[dict[str, object]]) -> None:
        super().__init__(errors)
        self.errors = errors


class ReviewFirst(SelectionFailure):
    """A committee member sees others' reviews only once they have given their own."""


# Publishing


class RegistrationOpen(SelectionFailure):
    def __init__(self, deadline: datetime) -> None:
        super().__init__(deadline)
        self.deadline = deadline


class ReviewsMissing(SelectionFailure):
    """Eligible applications with fewer reviews than the policy asks cannot be ranked."""

    def __init__(self, unranked: Sequence[object]) -> None:
        super().__init__(len(unranked))
        self.unranked = list(unranked)


class RulesConflict(SelectionFailure):
    """The balance rules cannot all hold, and staff did not accept the nearest relaxation."""

    def __init__(
        self, conflicts: Sequence[Sequence[str]], relaxations: Sequence[Relaxation]
    ) -> None:
        super().__init__(conflicts)
        self.conflicts = [list(c) for c in conflicts]
        self.relaxations = list(relaxations)


class NotPublished(SelectionFailure):
    """The edition's selection is not published yet: there is no offer."""

    def __init__(self, edition_id: str) -> None:
        super().__init__(edition_id)
        self.edition_id = edition_id


# Offers


class OfferFailure(SelectionFailure):
    """The offer cannot change that way; ``status`` is where the decision stands now."""

    def __init__(self, application_id: str, status: str | None = None) -> None:
        super().__init__(application_id)
        self.application_id, self.status = application_id, status


class NotInSelection(OfferFailure):
    """The application has no decision in the selection (not screened or reviewed in time)."""


class NoOpenOffer(OfferFailure):
    pass


class OfferLapsed(OfferFailure):
    def __init__(self, application_id: str, status: str, deadline: datetime) -> None:
        super().__init__(application_id, status)
        self.deadline = deadline


class NoPlaceToDecline(OfferFailure):
    pass
