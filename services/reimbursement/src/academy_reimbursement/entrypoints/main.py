"""Bootstrap: the service's database and its operational HTTP face."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from academy_kit import web
from academy_kit.mongo import connect
from academy_reimbursement.settings import ReimbursementSettings


def create_app(settings: ReimbursementSettings | None = None) -> FastAPI:
    settings = settings or ReimbursementSettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client, app.state.db = connect(settings)
        try:
            yield
        finally:
            await client.close()

    return web.create_app(
        service=settings.service_name,
        title="Cluster Academy — reimbursement",
        description="Expense claims, supporting documents and the 90% reimbursement.",
        lifespan=lifespan,
        readiness=web.servers_readiness(settings),
    )


def main() -> None:
    settings = ReimbursementSettings()
    web.serve(settings, lambda: create_app(settings))
