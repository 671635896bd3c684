"""Bootstrap: the service's database and its operational HTTP face."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from academy_kit import web
from academy_kit.mongo import connect
from academy_notification.settings import NotificationSettings


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client, app.state.db = connect(settings)
        try:
            yield
        finally:
            await client.close()

    return web.create_app(
        service=settings.service_name,
        title="Cluster Academy — notification",
        description="Bilingual messages to applicants and participants, staff outputs, webhooks.",
        lifespan=lifespan,
        readiness=web.servers_readiness(settings),
    )


def main() -> None:
    settings = NotificationSettings()
    web.serve(settings, lambda: create_app(settings))
