"""Bootstrap: the service's database and its operational HTTP face."""

from __future__ import annotations

from fastapi import FastAPI

from academy_kit import web
from academy_reimbursement.settings import ReimbursementSettings


def create_app(settings: ReimbursementSettings | None = None) -> FastAPI:
    settings = settings or ReimbursementSettings()
    return web.database_app(
        settings,
        title="Cluster Academy — reimbursement",
        description="Expense claims, supporting documents and the 90% reimbursement.",
    )


def main() -> None:
    settings = ReimbursementSettings()
    web.serve(settings, lambda: create_app(settings))
