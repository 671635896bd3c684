"""Bootstrap: wire settings, store, outbox relay and routes into the ASGI app, and run it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from academy_kit import web
from academy_kit.mongo import connect
from academy_kit.outbox import OutboxRelay
from academy_registration.adapters.store import OUTBOX_COLLECTIONS, ApplicationStore
from academy_registration.entrypoints.api import router
from academy_registration.settings import RegistrationSettings


def create_app(settings: RegistrationSettings | None = None) -> FastAPI:
    settings = settings or RegistrationSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client, db = connect(settings)
        store = ApplicationStore(db)
        await store.ensure_indexes()
        relay = OutboxRelay(
            db,
            OUTBOX_COLLECTIONS,
            bootstrap_servers=settings.kafka_bootstrap_servers,
            service=settings.service_name,
            poll_seconds=settings.outbox_poll_seconds,
        )
        app.state.settings, app.state.store, app.state.relay = settings, store, relay
        relay_task = asyncio.create_task(relay.run(), name="outbox-relay")
        try:
            yield
        finally:
            relay_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await relay_task
            await client.close()

    app = web.create_app(
        settings,
        title="Cluster Academy — registration",
        description="Cluster applications to the Euromed Cluster Academy.",
        lifespan=lifespan,
        readiness=web.servers_readiness(settings),
    )
    app.include_router(router)
    return app


def main() -> None:
    settings = RegistrationSettings()
    web.serve(settings, lambda: create_app(settings))
