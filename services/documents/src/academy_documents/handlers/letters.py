"""Visa support letters: a participant asks for one through their own link, and downloads it.

Every refusal is raised before anything is written: a wrong passport number, a person who is
not a participant of a confirmed cluster, or another person's link leaves the stored letter as
it was."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from academy_contracts import links
from academy_contracts.values import Language
from academy_documents.adapters.pdf import letter_pdf
from academy_documents.domain.failures import EditionUnknown, LetterNotRequested
from academy_documents.domain.letters import (
    PassportForm,
    VisaLetter,
    may_ask,
    next_letter,
    passport_of,
)
from academy_documents.domain.wording import letter_text
from academy_documents.handlers.certificates import Rendering
from academy_documents.handlers.ports import CohortStore, LetterStore, ReportStore
from academy_kit.clock import now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VisaLetters:
    cohort: CohortStore
    facts: ReportStore
    letters: LetterStore
    reference_key: bytes
    rendering: Rendering

    async def request(
        self,
        application_id: str,
        participant_id: str,
        grant: links.Grant,
        form: PassportForm,
        language: Language | None,
    ) -> VisaLetter:
        """The participant's letter for this passport data: a new version when the data, the
        language or the sessions changed, the current one otherwise. ``language`` defaults to
        the participant's own."""
        grant.opens_participant(application_id, participant_id)
        roster, member = may_ask(
            await self.cohort.roster(application_id),
            await self.facts.confirmed(application_id),
            participant_id,
        )
        edition = await self.cohort.edition(roster.edition_id)
        if edition is None:
            raise EditionUnknown(roster.edition_id)
        at = now()
        passport = passport_of(form, edition=edition, today=at.date())
        async with self.letters.changing(application_id, participant_id) as current:
            letter = next_letter(
                current,
                secret=self.reference_key,
                roster=roster,
                member=member,
                edition=edition,
                passport=passport,
                language=language or member.language,
                at=at,
            )
            if letter is current:
                return letter
            text = letter_text(letter, edition, signatory=self.rendering.signatory)
            pdf = await asyncio.to_thread(letter_pdf, text, self.rendering.fonts)
            await self.letters.save(letter, pdf)
        log.info("visa letter %s version %d", letter.reference, letter.version)
        return letter

    async def of_participant(
        self, application_id: str, participant_id: str, grant: links.Grant
    ) -> tuple[VisaLetter, bytes]:
        """The participant's latest letter and its PDF, through their own link."""
        grant.opens_participant(application_id, participant_id)
        found = await self.letters.with_pdf(application_id, participant_id)
        if found is None:
            raise LetterNotRequested
        return found
