"""An edition as selection learns it from EditionPublished (its deadline and its capacity), and
the terms staff set for it here: its review policy and balance rules."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from academy_contracts.events import EditionPublished, LocalizedText
from academy_contracts.values import UtcDateTime
from academy_selection.domain.reviews import ReviewPolicy
from academy_selection.domain.screening import Eligibility
from academy_selection.domain.selection import BalancePolicy


class Edition(BaseModel):
    model_config = ConfigDict(frozen=True)

    edition_id: str
    revision: int
    title: LocalizedText
    registration_deadline: UtcDateTime
    capacity: int

    @classmethod
    def from_event(cls, event: EditionPublished) -> Edition:
        return cls.model_validate(event.model_dump(include=set(cls.model_fields)))

    @property
    def eligibility(self) -> Eligibility:
        return Eligibility(deadline=self.registration_deadline)


@dataclass(frozen=True)
class EditionTerms:
    """What EditionPublished said, and what staff set here: the review policy (the defaults
    until they set one) and the balance rules they set (none: the defaults throughout)."""

    edition: Edition
    review_policy: ReviewPolicy = field(default_factory=ReviewPolicy)
    balance: BalancePolicy = field(default_factory=BalancePolicy)
