"""An edition as selection learns it from EditionPublished: its deadline and its capacity."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from academy_contracts.events import EditionPublished, LocalizedText
from academy_contracts.values import UtcDateTime
from academy_selection.domain.screening import Eligibility


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
