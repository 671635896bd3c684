"""Bootstrap: wire settings, stores, the outbox relay, the selection-events consumer and the
routes into the ASGI app, and run it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from academy_contracts.registry import Topic
from academy_kit import consumer, web
from academy_kit.mongo import connected
from academy_kit.outbox import OutboxRelay
from academy_registration.adapters.applications import APPLICATIONS, ApplicationStore
from academy_registration.adapters.attendance import CHECK_INS, AttendanceStore
from academy_registration.adapters.companies import COMPANIES, CompanyStore
from academy_registration.adapters.editions import EDITIONS, EditionStore
from academy_registration.entrypoints.api import applications, attendance, companies, editions
from academy_registration.entrypoints.api import errors as api_errors
from academy_registration.handlers.applications import Applications
from academy_registration.handlers.staff import Staff
from academy_registration.settings import RegistrationSettings

OUTBOX_COLLECTIONS = (EDITIONS, APPLICATIONS, COMPANIES, CHECK_INS)


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    settings = settings or RegistrationSettings()
    broker = consumer.broker_for(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with connected(settings) as db:
            app.state.db = db
            relay = OutboxRelay(db, OUTBOX_COLLECTIONS, settings)
            store, edition_store = ApplicationStore(db), EditionStore(db)
            company_store, attendance_store = CompanyStore(db), AttendanceStore(db)
            for indexed in (store, company_store, attendance_store):
                await indexed.ensure_indexes()
            app.state.applications = Applications(store, edition_store, relay, settings)
            app.state.staff = staff = Staff(
                edition_store, company_store, attendance_store, relay, settings
            )
            if settings.seed_first_edition:
                await staff.seed_first_edition()
            consumer.subscribe(broker, Topic.SELECTION, settings, staff.on_event)
            async with web.background(outbox_relay=relay.run), consumer.running(broker):
                yield

    app = web.create_app(
        settings,
        title="Cluster Academy — registration",
        description=(
            "Editions, cluster applications, company registrations and session check-in of "
            "the Euromed Cluster Academy. Staff routes need a bearer token with a role "
            "(`academy-token --role admin`); applicants use their application's link token."
        ),
        lifespan=lifespan,
        broker=broker,
    )
    api_errors.install(app)
    for router in (editions.router, applications.router, companies.router, attendance.router):
        app.include_router(router)
    return app


def main() -> None:
    settings = RegistrationSettings()
    web.serve(settings, lambda: create_app(settings))
