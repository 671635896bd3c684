"""Bootstrap: wire settings, stores, handlers, the subscription table, the outbox relay, the
certificate sweep and the routes into the ASGI app, and run it."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from academy_documents.adapters.certificates import CERTIFICATES, CertificateStore
from academy_documents.adapters.cohort import EDITIONS, PRESENCE, ROSTERS, CohortStore
from academy_documents.adapters.letters import LetterStore
from academy_documents.adapters.pdf import Fonts
from academy_documents.adapters.report import APPLICATIONS, CLAIMS, ReportStore
from academy_documents.entrypoints.api import certificates, errors, letters, report
from academy_documents.handlers.certificates import Certificates, Rendering
from academy_documents.handlers.letters import VisaLetters
from academy_documents.handlers.ports import CertificateStore as CertificatePort
from academy_documents.handlers.ports import CohortStore as CohortPort
from academy_documents.handlers.ports import LetterStore as LetterPort
from academy_documents.handlers.ports import Relay
from academy_documents.handlers.ports import ReportStore as ReportPort
from academy_documents.handlers.projections import CohortProjection
from academy_documents.handlers.report import FunderReports
from academy_documents.handlers.subscriptions import subscriptions
from academy_documents.settings import DocumentsSettings
from academy_kit import consumer, service, web
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.replay import NO_RELAY, Replayable
from academy_kit.subscriptions import Subscriptions


def _rendering(settings: DocumentsSettings) -> Rendering:
    return Rendering(
        Fonts(settings.font_path, settings.font_bold_path),
        settings.signatory,
        settings.verification_url,
    )


def _reference_key(settings: DocumentsSettings, kind: bytes) -> bytes:
    """Derived from the link secret, kept apart from the links' own HMAC by its suffix."""
    return settings.link_secret.get_secret_value().encode() + b"/" + kind


def certificates_on(
    settings: DocumentsSettings, cohort: CohortPort, store: CertificatePort, relay: Relay
) -> Certificates:
    """The certificates handler on these stores (MongoDB here, in-memory in the fast tests)."""
    return Certificates(
        cohort,
        store,
        relay,
        settings.source,
        reference_key=_reference_key(settings, b"certificates"),
        rendering=_rendering(settings),
    )


def letters_on(
    settings: DocumentsSettings, cohort: CohortPort, facts: ReportPort, store: LetterPort
) -> VisaLetters:
    """The visa letters handler on these stores."""
    return VisaLetters(
        cohort,
        facts,
        store,
        reference_key=_reference_key(settings, b"letters"),
        rendering=_rendering(settings),
    )


def create_app(settings: DocumentsSettings | None = None) -> FastAPI:
    settings = settings or DocumentsSettings()
    broker = consumer.broker_for(settings)

    async def wire(app: FastAPI, db: AsyncDatabase[Document], relay: OutboxRelay) -> service.Wiring:
        cohort, store, facts = CohortStore(db), CertificateStore(db), ReportStore(db)
        for indexed in (cohort, store, facts):
            await indexed.ensure_indexes()
        handler = certificates_on(settings, cohort, store, relay)
        app.state.certificates = handler
        app.state.reports = reports = FunderReports(facts, cohort)
        app.state.letters = letters_on(settings, cohort, facts, LetterStore(db))

        async def sweep() -> None:
            await handler.sweep(settings.certificate_sweep_seconds)

        return service.Wiring(
            subscriptions(CohortProjection(cohort, handler), reports),
            tasks={"certificate_sweep": sweep},
        )

    app = web.create_app(
        settings,
        title="Cluster Academy — documents",
        description="Certificates of attendance issued from the events, verified by reference; "
        "visa support letters a participant asks for; and the funder's report, built from the "
        "events alone.",
        lifespan=service.lifespan(settings, broker, (CERTIFICATES,), wire),
        broker=broker,
    )
    errors.install(app)
    app.include_router(certificates.router)
    app.include_router(report.router)
    app.include_router(letters.router)
    return app


def replayable(settings: DocumentsSettings | None = None) -> Replayable:
    """Documents' projections for ``academy replay``: the cohorts (editions, rosters, presence)
    and the funder's report, from the other services' events. Certificates are issued records
    with references people hold: a swap keeps the live database's."""
    settings = settings or DocumentsSettings()

    async def table(db: AsyncDatabase[Document]) -> Subscriptions:
        cohort, store, facts = CohortStore(db), CertificateStore(db), ReportStore(db)
        for indexed in (cohort, facts):
            await indexed.ensure_indexes()
        handler = certificates_on(settings, cohort, store, NO_RELAY)
        return subscriptions(CohortProjection(cohort, handler), FunderReports(facts, cohort))

    return Replayable(
        settings,
        {EDITIONS: (), ROSTERS: (), PRESENCE: (), APPLICATIONS: (), CLAIMS: ()},
        "the cohorts and the funder's report; not the certificates issued",
        table,
    )


def main() -> None:
    settings = DocumentsSettings()
    web.serve(settings, lambda: create_app(settings))
