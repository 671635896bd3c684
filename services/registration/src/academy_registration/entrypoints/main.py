"""Composition root: the stores and handlers on the service's database, its subscription table,
and the routes, in the ASGI app."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit import consumer, service, web
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.replay import Replayable
from academy_kit.subscriptions import Subscriptions
from academy_registration.adapters.admissions import ADMISSIONS, AdmissionStore
from academy_registration.adapters.applications import APPLICATIONS, ApplicationStore
from academy_registration.adapters.check_ins import CHECK_INS, CheckInStore
from academy_registration.adapters.companies import COMPANIES, CompanyStore
from academy_registration.adapters.editions import EDITIONS, EditionStore
from academy_registration.entrypoints.api import (
    applications,
    check_in,
    companies,
    editions,
    erasure,
    links,
)
from academy_registration.entrypoints.api import errors as api_errors
from academy_registration.handlers.admissions import Admissions
from academy_registration.handlers.applications import Applications
from academy_registration.handlers.check_in import CheckIns
from academy_registration.handlers.companies import Companies
from academy_registration.handlers.editions import Editions
from academy_registration.handlers.erasure import Erasures
from academy_registration.handlers.subscriptions import subscriptions
from academy_registration.settings import RegistrationSettings

OUTBOX_COLLECTIONS = (EDITIONS, APPLICATIONS, COMPANIES, CHECK_INS)


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    settings = settings or RegistrationSettings()
    broker = consumer.broker_for(settings)

    async def wire(app: FastAPI, db: AsyncDatabase[Document], relay: OutboxRelay) -> service.Wiring:
        source = settings.source
        edition_store, application_store = EditionStore(db), ApplicationStore(db)
        company_store, admission_store = CompanyStore(db), AdmissionStore(db)
        check_in_store = CheckInStore(db)
        for indexed in (application_store, company_store, admission_store, check_in_store):
            await indexed.ensure_indexes()
        app.state.editions = Editions(edition_store, relay, source)
        app.state.applications = Applications(
            application_store,
            edition_store,
            relay,
            source,
            settings.link_secret,
            settings.link_lifetime,
        )
        app.state.erasures = Erasures(application_store, relay, source)
        app.state.companies = Companies(company_store, edition_store, relay, source)
        app.state.check_ins = CheckIns(
            check_in_store,
            admission_store,
            edition_store,
            relay,
            source,
            settings.check_in_opens_before,
            settings.link_secret,
        )
        if settings.seed_first_edition:
            await app.state.editions.seed_first_edition()
        return service.Wiring(subscriptions(Admissions(admission_store)))

    app = web.create_app(
        settings,
        title="Cluster Academy — registration",
        description=(
            "Editions, cluster applications, company registrations and session check-in of "
            "the Euromed Cluster Academy. Staff routes need a bearer token with a role "
            "(`academy-token --role admin`); applicants use their application's link token."
        ),
        lifespan=service.lifespan(settings, broker, OUTBOX_COLLECTIONS, wire),
        broker=broker,
    )
    api_errors.install(app)
    links.install(app)
    for router in (
        editions.router,
        applications.router,
        companies.router,
        check_in.router,
        links.router,
        erasure.router,
    ):
        app.include_router(router)
    return app


def replayable(settings: RegistrationSettings | None = None) -> Replayable:
    """Registration for ``academy replay``: the origin of editions, applications, companies and
    check-ins, which its events report but do not rebuild (a replay never invents an applicant's
    answers), so only the admissions it learns from selection's decisions are rebuilt."""

    async def table(db: AsyncDatabase[Document]) -> Subscriptions:
        admissions = AdmissionStore(db)
        await admissions.ensure_indexes()
        return subscriptions(Admissions(admissions))

    return Replayable(
        settings or RegistrationSettings(),
        {ADMISSIONS: ()},
        "the admissions learned from selection's decisions; editions, applications, companies "
        "and check-ins originate here and are kept",
        table,
    )


def main() -> None:
    settings = RegistrationSettings()
    web.serve(settings, lambda: create_app(settings))
