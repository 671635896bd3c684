"""Bootstrap: the service's database and its operational HTTP face."""

from __future__ import annotations

from fastapi import FastAPI

from academy_kit import web
from academy_notification.settings import NotificationSettings


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    return web.database_app(
        settings,
        title="Cluster Academy — notification",
        description="Bilingual messages to applicants and participants, staff outputs, webhooks.",
    )


def main() -> None:
    settings = NotificationSettings()
    web.serve(settings, lambda: create_app(settings))
