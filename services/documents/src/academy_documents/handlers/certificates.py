"""Certificates of attendance: reviewing who holds one after every change of the facts and
once each edition is over, counting an excused absence, verifying a reference, and the PDF."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from academy_contracts import links
from academy_contracts.events import EditionPublished
from academy_contracts.values import Language
from academy_documents.adapters.pdf import Fonts, certificate_pdf
from academy_documents.domain.certificates import (
    Certificate,
    CountedAbsence,
    countable_session,
    edition_over,
    reference_for,
    review,
)
from academy_documents.domain.cohort import Roster
from academy_documents.domain.failures import (
    CertificateNotIssued,
    EditionUnknown,
    ParticipantNotFound,
    UnknownCertificate,
)
from academy_documents.domain.wording import certificate_text
from academy_documents.handlers.ports import CertificateStore, CohortStore, Relay
from academy_kit import outbox
from academy_kit.clock import now

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rendering:
    fonts: Fonts
    signatory: str
    verification_url: str


@dataclass(frozen=True)
class Certificates:
    cohort: CohortStore
    certificates: CertificateStore
    relay: Relay
    source: str
    reference_key: bytes
    """The key of certificate references: it must stay the same for printed references to
    keep verifying."""
    rendering: Rendering

    def reference(self, edition_id: str, participant_id: str) -> str:
        return reference_for(self.reference_key, edition_id, participant_id)

    async def review_participant(self, application_id: str, participant_id: str) -> None:
        """Issue or revoke the participant's certificate if the facts now say so."""
        roster = await self.cohort.roster(application_id)
        edition = roster and await self.cohort.edition(roster.edition_id)
        if roster and edition:
            await self._review(roster, edition, participant_id)

    async def review_application(self, application_id: str) -> None:
        roster = await self.cohort.roster(application_id)
        edition = roster and await self.cohort.edition(roster.edition_id)
        if roster and edition:
            for member in roster.participants:
                await self._review(roster, edition, member.participant_id)

    async def review_edition(self, edition_id: str) -> None:
        """Review everyone of the edition once it is over (and mark it looked at)."""
        edition = await self.cohort.edition(edition_id)
        if edition is None or not edition_over(edition, now()):
            return
        for roster in await self.cohort.rosters(edition_id):
            for member in roster.participants:
                await self._review(roster, edition, member.participant_id)
        await self.cohort.mark_reviewed(edition)

    async def _review(self, roster: Roster, edition: EditionPublished, participant_id: str) -> None:
        reference = self.reference(edition.edition_id, participant_id)
        async with self.certificates.changing(reference) as current:
            change = review(
                current,
                reference=reference,
                edition=edition,
                roster=roster,
                participant_id=participant_id,
                attendance=await self.cohort.attendance(edition.edition_id, participant_id),
                at=now(),
            )
            if change is None:
                return
            certificate, event = change
            await self.certificates.save(certificate, [outbox.envelope(event, self.source)])
        self.relay.kick(self.certificates.collection, reference)
        log.info("certificate %s %s", reference, certificate.state.value)

    async def review_ended_editions(self) -> None:
        """Issue the certificates of every edition whose last session has ended since."""
        for edition in await self.cohort.unreviewed_editions():
            if edition_over(edition, now()):
                await self.review_edition(edition.edition_id)

    async def sweep(self, every: float) -> None:
        """Until cancelled: :meth:`review_ended_editions` every ``every`` seconds."""
        while True:
            await self.review_ended_editions()
            await asyncio.sleep(every)

    async def count_absence(
        self, edition_id: str, participant_id: str, session_id: str, reason: str, by: str
    ) -> CountedAbsence:
        """The program manager counts an excused absence as attended; the participant is
        reviewed at once."""
        absence = CountedAbsence(
            session_id=countable_session(
                await self.cohort.edition(edition_id), edition_id, session_id
            ),
            reason=reason,
            counted_by=by,
            counted_at=now(),
        )
        await self.cohort.count_absence(edition_id, participant_id, absence)
        for roster in await self.cohort.rosters(edition_id):
            if roster.member(participant_id):
                await self.review_participant(roster.application_id, participant_id)
        return absence

    async def verify(self, reference: str) -> Certificate:
        """The certificate of this reference, in force or revoked; a made-up one is unknown."""
        certificate = await self.certificates.get(reference.strip().upper())
        if certificate is None:
            raise UnknownCertificate(reference)
        return certificate

    async def of_edition(self, edition_id: str) -> list[Certificate]:
        return await self.certificates.of_edition(edition_id)

    async def of_participant(
        self, application_id: str, participant_id: str, grant: links.Grant
    ) -> Certificate:
        """The participant's certificate in force, if their own link opens it (a teammate's
        link does not: :class:`links.LinkRefused`)."""
        grant.opens_participant(application_id, participant_id)
        roster = await self.cohort.roster(application_id)
        if roster is None or roster.member(participant_id) is None:
            raise ParticipantNotFound
        certificate = await self.certificates.get(self.reference(roster.edition_id, participant_id))
        if certificate is None or not certificate.valid:
            raise CertificateNotIssued
        return certificate

    async def pdf(self, certificate: Certificate, language: Language | None) -> bytes:
        """The certificate as a PDF in ``language`` (the holder's own by default)."""
        if not certificate.valid:
            raise CertificateNotIssued
        edition = await self.cohort.edition(certificate.edition_id)
        if edition is None:
            raise EditionUnknown(certificate.edition_id)
        text = certificate_text(
            certificate,
            edition,
            language or certificate.language,
            signatory=self.rendering.signatory,
            verify_url=self.rendering.verification_url.format(reference=certificate.reference),
        )
        return await asyncio.to_thread(certificate_pdf, text, self.rendering.fonts)
