"""Bootstrap: wire settings, stores, the consumer of every Academy topic, the mail dispatcher,
the scheduler of timed messages, the outbox relay and the routes into the ASGI app, and run
it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_contracts.registry import Topic
from academy_kit import consumer, web
from academy_kit.mongo import connected
from academy_kit.outbox import OutboxRelay
from academy_notification.adapters.messages import MESSAGES, MessageStore
from academy_notification.adapters.projections import Projections
from academy_notification.adapters.smtp import SmtpMailer
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.rendering import Renderer
from academy_notification.entrypoints.api import digest as digest_api
from academy_notification.entrypoints.api import messages as messages_api
from academy_notification.entrypoints.api import webhooks as webhooks_api
from academy_notification.handlers.digest import Digests
from academy_notification.handlers.dispatch import Dispatcher, RetryPolicy
from academy_notification.handlers.mail import MailDeliveries
from academy_notification.handlers.notify import Notifier
from academy_notification.handlers.schedule import Scheduler
from academy_notification.handlers.webhooks import WebhookDeliveries, Webhooks, WebhookSender
from academy_notification.settings import NotificationSettings

OUTBOX_COLLECTIONS = (MESSAGES,)


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    broker = consumer.broker_for(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with connected(settings) as db:
            app.state.db = db
            relay = OutboxRelay(db, OUTBOX_COLLECTIONS, settings)
            messages, views, hooks = MessageStore(db), Projections(db), WebhookStore(db)
            for store in (messages, views, hooks):
                await store.ensure_indexes()
            policy = RetryPolicy(
                settings.send_max_attempts, settings.retry_base_seconds, settings.retry_max_seconds
            )
            renderer = Renderer(settings.program, settings.time_zone)
            mail = Dispatcher(
                "mail",
                MailDeliveries(messages, relay, settings),
                SmtpMailer(settings),
                policy,
                poll_seconds=settings.dispatch_poll_seconds,
                batch=settings.dispatch_batch,
            )
            calls = Dispatcher(
                "webhook",
                WebhookDeliveries(hooks),
                WebhookSender(hooks, settings.webhook_timeout_seconds),
                policy,
                poll_seconds=settings.dispatch_poll_seconds,
                batch=settings.dispatch_batch,
            )
            app.state.messages, app.state.views, app.state.webhooks = messages, views, hooks
            app.state.renderer = renderer
            notifier = Notifier(messages, views, renderer, mail, settings)
            app.state.digests = Digests(notifier, settings)
            app.state.scheduler = scheduler = Scheduler(notifier, app.state.digests, settings)
            webhooks = Webhooks(hooks, calls)

            async def on_event(envelope: Envelope[IntegrationEvent]) -> None:
                await notifier.on_event(envelope)
                await webhooks.on_event(envelope)

            consumer.subscribe(broker, tuple(Topic), settings, on_event)
            work = web.background(
                outbox_relay=relay.run,
                mail_dispatcher=mail.run,
                webhook_dispatcher=calls.run,
                scheduler=scheduler.run,
            )
            async with work, consumer.running(broker):
                yield

    app = web.create_app(
        settings,
        title="Cluster Academy — notification",
        description=(
            "Bilingual messages to applicants and participants (email), staff outputs (outbox, "
            "digest) and integrator webhooks. Staff routes need a bearer token with a role."
        ),
        lifespan=lifespan,
        broker=broker,
    )
    for router in (messages_api.router, digest_api.router, webhooks_api.router):
        app.include_router(router)
    return app


def main() -> None:
    settings = NotificationSettings()
    web.serve(settings, lambda: create_app(settings))
