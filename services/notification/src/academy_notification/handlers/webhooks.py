"""Integrator webhooks: each event of a subscribed type is POSTed as a CloudEvents structured
JSON document, signed so the receiver can check it came from the Academy untouched.

Signature: ``X-Academy-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` under the
subscription's secret, with ``X-Academy-Timestamp`` (Unix seconds) so a receiver can refuse
old replays. A 2xx answer delivers; 408, 425, 429, 5xx and network errors are retried with
backoff; any other answer fails the delivery for good, a redirection (3xx) included: it is not
followed, as following it would resend the signed POST elsewhere, or as a GET.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.messages import Status
from academy_notification.handlers.dispatch import Dispatcher, PermanentFailure, TransientFailure

MEDIA_TYPE = "application/cloudevents+json"
SIGNATURE_HEADER = "X-Academy-Signature"
TIMESTAMP_HEADER = "X-Academy-Timestamp"
RETRYABLE = {408, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


@dataclass(frozen=True)
class Webhooks:
    """Records the deliveries an event causes and wakes their dispatcher."""

    store: WebhookStore
    dispatcher: Dispatcher

    async def on_event(self, envelope: Envelope[IntegrationEvent]) -> None:
        created = now()
        new = False
        for subscription in await self.store.subscribers(envelope.type):
            new |= await self.store.record(
                {
                    "_id": f"{envelope.id}:{subscription['_id']}",
                    "subscription_id": subscription["_id"],
                    "event_id": envelope.id,
                    "event_type": envelope.type,
                    "body": envelope.to_structured_json(),
                    "status": Status.PENDING.value,
                    "attempts": 0,
                    "next_attempt_at": created,
                    "created_at": created,
                    "log": [],
                }
            )
        if new:
            self.dispatcher.kick()


@dataclass(frozen=True)
class WebhookDeliveries:
    store: WebhookStore

    async def pending(self, limit: int) -> list[Document]:
        return await self.store.pending(limit)

    async def delivered(self, doc: Document, attempts: int, at: datetime) -> None:
        await self.store.attempted(
            doc,
            {"status": Status.SENT.value, "attempts": attempts, "delivered_at": at},
            {"at": at, "outcome": "delivered", "error": None},
        )

    async def retry(
        self, doc: Document, attempts: int, at: datetime, next_at: datetime, error: str
    ) -> None:
        await self.store.attempted(
            doc,
            {"attempts": attempts, "next_attempt_at": next_at, "last_error": error},
            {"at": at, "outcome": "retry", "error": error},
        )

    async def failed(self, doc: Document, attempts: int, at: datetime, error: str) -> None:
        await self.store.attempted(
            doc,
            {"status": Status.FAILED.value, "attempts": attempts, "last_error": error},
            {"at": at, "outcome": "failed", "error": error},
        )


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Follow no redirection: urllib then raises the 3xx as an :class:`urllib.error.HTTPError`."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class WebhookSender:
    """POSTs one delivery to its subscription's URL (stdlib HTTP in a worker thread)."""

    def __init__(self, store: WebhookStore, timeout: float) -> None:
        self._store = store
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_RefuseRedirects)

    async def __call__(self, doc: Document) -> None:
        subscription = await self._store.subscription(doc["subscription_id"])
        if subscription is None:
            raise PermanentFailure("the subscription was removed")
        body = doc["body"].encode()
        timestamp = str(int(now().timestamp()))
        request = urllib.request.Request(  # noqa: S310 - http(s) URLs only, checked at subscribe
            subscription["url"],
            data=body,
            method="POST",
            headers={
                "Content-Type": MEDIA_TYPE,
                "User-Agent": "cluster-academy-webhooks/1",
                "X-Academy-Delivery": doc["_id"],
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: signature(subscription["secret"], timestamp, body),
            },
        )
        await asyncio.to_thread(self._post, request)

    def _post(self, request: urllib.request.Request) -> None:
        try:
            with self._opener.open(request, timeout=self._timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            if exc.code >= 500 or exc.code in RETRYABLE:
                raise TransientFailure(f"HTTP {exc.code}") from exc
            raise PermanentFailure(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc
