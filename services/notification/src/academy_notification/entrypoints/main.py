"""Bootstrap: wire settings, stores, the subscription table, the mail and webhook dispatchers,
the scheduler of timed messages and the routes into the ASGI app, and run it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from pymongo.asynchronous.database import AsyncDatabase

from academy_kit import consumer, service, web
from academy_kit.mongo import Document
from academy_kit.outbox import OutboxRelay
from academy_kit.replay import Replayable, no_kick
from academy_kit.subscriptions import Subscriptions
from academy_notification.adapters.messages import MESSAGES, MessageStore
from academy_notification.adapters.projections import (
    APPLICATIONS,
    CHECK_INS,
    CLAIMS,
    EDITIONS,
    ProjectionStore,
)
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


def _recording(
    settings: NotificationSettings, messages: MessageStore, wake_sender: Callable[[], None]
) -> Recording:
    renderer = Renderer(settings.program, settings.time_zone)
    return Recording(messages, renderer, settings.mail_from.split("@")[1], wake_sender)


def _table(
    settings: NotificationSettings,
    views: ProjectionStore,
    recording: Recording,
    hooks: WebhookStore,
    wake_calls: Callable[[], None],
) -> Subscriptions:
    links = Links(settings.link_base_url, settings.link_secret, settings.link_lifetime)
    return subscriptions(
        Projections(views), EventMessages(views, recording, links), Webhooks(hooks, wake_calls)
    )


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
        recording = _recording(settings, messages, mail.kick)
        digests = Digests(views, recording, settings)
        scheduler = Scheduler(views, recording, digests, settings)
        app.state.messages, app.state.views = messages, views
        app.state.outbox, app.state.webhook_subscriptions = (
            Outbox(messages),
            WebhookSubscriptions(hooks, targets),
        )
        app.state.renderer, app.state.digests = recording.renderer, digests
        app.state.scheduler = scheduler
        return service.Wiring(
            _table(settings, views, recording, hooks, calls.kick),
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


def replayable(settings: NotificationSettings | None = None) -> Replayable:
    """Notification's projections for ``academy replay``: what it knows of applications,
    editions, check-ins and claims, from every service's events. The messages and webhook
    deliveries the replayed handlers draft are dropped: the live database's are the record of
    what was sent (and a swap keeps them, so nothing is sent twice), as are the integrators'
    webhook subscriptions."""
    settings = settings or NotificationSettings()

    async def table(db: AsyncDatabase[Document]) -> Subscriptions:
        views, messages, hooks = ProjectionStore(db), MessageStore(db), WebhookStore(db)
        await views.ensure_indexes()
        return _table(settings, views, _recording(settings, messages, no_kick), hooks, no_kick)

    return Replayable(
        settings,
        {APPLICATIONS: (), EDITIONS: (), CHECK_INS: (), CLAIMS: ()},
        "what it knows of applications, editions, check-ins and claims; not the messages, "
        "webhook subscriptions and deliveries (nothing is sent again)",
        table,
    )


def main() -> None:
    settings = NotificationSettings()
    web.serve(settings, lambda: create_app(settings))
