"""Bootstrap: wire settings, stores, the subscription table, the mail and webhook dispatchers,
the scheduler of timed messages and the routes into the ASGI app, and run it."""

from __future__ import annotations

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit import consumer, service, web
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_notification.adapters.messages import MESSAGES, MessageStore
from academy_notification.adapters.projections import ProjectionStore
from academy_notification.adapters.smtp import SmtpMailer
from academy_notification.adapters.webhook_sender import WebhookSender
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.delivery import RetryPolicy
from academy_notification.domain.drafting import Links
from academy_notification.domain.rendering import Renderer
from academy_notification.domain.targets import TargetPolicy
from academy_notification.entrypoints.api import digest as digest_api
from academy_notification.entrypoints.api import errors as api_errors
from academy_notification.entrypoints.api import messages as messages_api
from academy_notification.entrypoints.api import webhooks as webhooks_api
from academy_notification.handlers.digest import Digests
from academy_notification.handlers.dispatch import Dispatcher
from academy_notification.handlers.outbox import Outbox
from academy_notification.handlers.projections import Projections
from academy_notification.handlers.recording import EventMessages, MailOutcomes, Recording
from academy_notification.handlers.schedule import Scheduler
from academy_notification.handlers.subscriptions import subscriptions
from academy_notification.handlers.webhooks import WebhookOutcomes, Webhooks, WebhookSubscriptions
from academy_notification.settings import NotificationSettings


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    broker = consumer.broker_for(settings)

    async def wire(app: FastAPI, db: AsyncDatabase[Document], relay: OutboxRelay) -> service.Wiring:
        messages, views, hooks = MessageStore(db), ProjectionStore(db), WebhookStore(db)
        for store in (messages, views, hooks):
            await store.ensure_indexes()
        policy = RetryPolicy(
            settings.send_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
        )
        mail = Dispatcher(
            "mail",
            MailOutcomes(messages, relay, settings.source),
            SmtpMailer(settings),
            policy,
            poll_seconds=settings.dispatch_poll_seconds,
            batch=settings.dispatch_batch,
            stuck_seconds=settings.dispatch_stuck_seconds,
        )
        targets = TargetPolicy.of(settings.webhook_allow_http, settings.webhook_allowed_targets)
        calls = Dispatcher(
            "webhook",
            WebhookOutcomes(hooks),
            WebhookSender(hooks, settings.webhook_timeout_seconds, targets),
            policy,
            poll_seconds=settings.dispatch_poll_seconds,
            batch=settings.dispatch_batch,
            stuck_seconds=settings.dispatch_stuck_seconds,
        )
        renderer = Renderer(settings.program, settings.time_zone)
        recording = Recording(messages, renderer, settings.mail_from.split("@")[1], mail.kick)
        digests = Digests(views, recording, settings)
        scheduler = Scheduler(views, recording, digests, settings)
        links = Links(settings.link_base_url, settings.link_secret, settings.link_lifetime)
        app.state.messages, app.state.views = messages, views
        app.state.outbox, app.state.webhook_subscriptions = (
            Outbox(messages),
            WebhookSubscriptions(hooks, targets),
        )
        app.state.renderer, app.state.digests, app.state.scheduler = renderer, digests, scheduler
        table = subscriptions(
            Projections(views),
            EventMessages(views, recording, links),
            Webhooks(hooks, calls.kick),
        )
        return service.Wiring(
            table,
            {
                "mail_dispatcher": mail.run,
                "webhook_dispatcher": calls.run,
                "scheduler": scheduler.run,
            },
        )

    app = web.create_app(
        settings,
        title="Cluster Academy — notification",
        description=(
            "Bilingual messages to applicants and participants (email), staff outputs (outbox, "
            "digest) and integrator webhooks. Staff routes need a bearer token with a role."
        ),
        lifespan=service.lifespan(settings, broker, (MESSAGES,), wire),
        broker=broker,
    )
    api_errors.install(app)
    for router in (messages_api.router, digest_api.router, webhooks_api.router):
        app.include_router(router)
    return app


def main() -> None:
    settings = NotificationSettings()
    web.serve(settings, lambda: create_app(settings))
