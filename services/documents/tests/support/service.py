"""The documents handlers wired on in-memory stores, as ``entrypoints/main.py`` wires them on
MongoDB: the fast tier feeds events through the subscription table and reads what came out."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_documents.entrypoints.main import certificates_on, letters_on
from academy_documents.handlers.certificates import Certificates
from academy_documents.handlers.letters import VisaLetters
from academy_documents.handlers.projections import CohortProjection
from academy_documents.handlers.report import FunderReports
from academy_documents.handlers.subscriptions import subscriptions
from academy_documents.settings import DocumentsSettings
from academy_kit.subscriptions import Subscriptions, dispatcher

from .stores import MemoryCertificates, MemoryCohort, MemoryLetters, MemoryRelay, MemoryReport


@dataclass
class InMemory:
    cohort: MemoryCohort
    store: MemoryCertificates
    relay: MemoryRelay
    facts: MemoryReport
    letter_store: MemoryLetters
    certificates: Certificates
    reports: FunderReports
    letters: VisaLetters

    def table(self) -> Subscriptions:
        return subscriptions(CohortProjection(self.cohort, self.certificates), self.reports)

    async def deliver(self, *events: IntegrationEvent) -> None:
        """Hand each event to the service as its consumer does: through the table."""
        dispatch = dispatcher(self.table())
        for event in events:
            await dispatch(Envelope(data=event, source="/academy/test"))


def in_memory() -> InMemory:
    cohort, store, relay, facts, letters = (
        MemoryCohort(),
        MemoryCertificates(),
        MemoryRelay(),
        MemoryReport(),
        MemoryLetters(),
    )
    settings = DocumentsSettings()
    return InMemory(
        cohort,
        store,
        relay,
        facts,
        letters,
        certificates_on(settings, cohort, store, relay),
        FunderReports(facts, cohort),
        letters_on(settings, cohort, facts, letters),
    )
