"""The documents handlers wired on in-memory stores, as ``entrypoints/main.py`` wires them on
MongoDB: the fast tier feeds events through the subscription table and reads what came out."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_documents.entrypoints.main import certificates_on
from academy_documents.handlers.certificates import Certificates
from academy_documents.handlers.projections import CohortProjection
from academy_documents.handlers.report import FunderReports
from academy_documents.handlers.subscriptions import subscriptions
from academy_documents.settings import DocumentsSettings
from academy_kit.subscriptions import Subscriptions, dispatcher

from .stores import MemoryCertificates, MemoryCohort, MemoryRelay, MemoryReport


@dataclass
class InMemory:
    cohort: MemoryCohort
    store: MemoryCertificates
    relay: MemoryRelay
    facts: MemoryReport
    certificates: Certificates
    reports: FunderReports

    def table(self) -> Subscriptions:
        return subscriptions(CohortProjection(self.cohort, self.certificates), self.reports)

    async def deliver(self, *events: IntegrationEvent) -> None:
        """Hand each event to the service as its consumer does: through the table."""
        dispatch = dispatcher(self.table())
        for event in events:
            await dispatch(Envelope(data=event, source="/academy/test"))


def in_memory() -> InMemory:
    cohort, store, relay, facts = (
        MemoryCohort(),
        MemoryCertificates(),
        MemoryRelay(),
        MemoryReport(),
    )
    return InMemory(
        cohort,
        store,
        relay,
        facts,
        certificates_on(DocumentsSettings(), cohort, store, relay),
        FunderReports(facts, cohort),
    )
