"""POSTing one webhook delivery to its subscription's URL, as a CloudEvents structured JSON
document signed so the receiver can check it came from the Academy untouched.

Signature: ``X-Academy-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`` under the
subscription's secret, with ``X-Academy-Timestamp`` (Unix seconds) so a receiver can refuse
old replays. A 2xx answer delivers; 408, 425, 429, 5xx and network errors are retried with
backoff; any other answer fails the delivery for good, a redirection (3xx) included: it is not
followed, as following it would resend the signed POST elsewhere, or as a GET.

Where it connects: the host is resolved once, every address it resolves to is checked against
the target policy (:mod:`academy_notification.domain.targets`), and the connection is made to
that checked address (TLS still verifies the certificate against the host name), so a name
that resolves to a public address when checked and to 127.0.0.1 when connecting (DNS
rebinding) cannot reach inside. Each delivery is bounded in all by the timeout, as a receiver
that trickles its answer would otherwise hold the queue.

That pinned connection is the standard library's, which no OpenTelemetry instrumentation
covers, so the call is a span of its own (:func:`academy_kit.telemetry.client_span`), and its
``traceparent`` header tells the integrator the trace of the event it forwards. The span names
the subscription, not the URL, which may carry the integrator's credentials.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import http.client
import socket
import ssl
from urllib.parse import urlsplit

from academy_kit import telemetry
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.delivery import PermanentFailure, TransientFailure
from academy_notification.domain.targets import IpAddress, TargetPolicy, host_problem, ip_literal

MEDIA_TYPE = "application/cloudevents+json"
SIGNATURE_HEADER = "X-Academy-Signature"
TIMESTAMP_HEADER = "X-Academy-Timestamp"
RETRYABLE = {408, 425, 429}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def checked_address(policy: TargetPolicy, host: str, port: int) -> IpAddress:
    """The one address a delivery to ``host`` connects to: resolved once, each address the
    name has checked (one forbidden address refuses the name: a resolver may answer in any
    order)."""
    problem = host_problem(host)
    if problem is not None:
        raise PermanentFailure(problem)
    literal = ip_literal(host)
    addresses: list[IpAddress | None] = [literal]
    if literal is None:
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise TransientFailure(f"cannot resolve {host}: {exc}") from exc
        addresses = [ip_literal(str(info[4][0]).split("%")[0]) for info in found]
    checked = [a for a in addresses if a is not None]
    if not checked:
        raise TransientFailure(f"{host} resolves to no address")
    for address in checked:
        refused = policy.address_problem(host, address)
        if refused is not None:
            raise PermanentFailure(f"refused: {refused}")
    return checked[0]


class _Pinned(http.client.HTTPConnection):
    """An HTTP connection to a checked address, the Host header still naming the host."""

    def __init__(self, host: str, port: int, address: IpAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = str(address)

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedTls(_Pinned):
    """The same over TLS, the certificate verified against the host name."""

    def __init__(self, host: str, port: int, address: IpAddress, timeout: float) -> None:
        super().__init__(host, port, address, timeout)
        self._tls = ssl.create_default_context()

    def connect(self) -> None:
        super().connect()
        self.sock = self._tls.wrap_socket(self.sock, server_hostname=self.host)


class WebhookSender:
    """POSTs one delivery to its subscription's URL (stdlib HTTP in a worker thread)."""

    def __init__(self, store: WebhookStore, timeout: float, policy: TargetPolicy) -> None:
        self._store = store
        self._timeout = timeout
        self._policy = policy

    async def __call__(self, doc: Document) -> None:
        subscription = await self._store.subscription(doc["subscription_id"])
        if subscription is None:
            raise PermanentFailure("the subscription was removed")
        body = doc["body"].encode()
        timestamp = str(int(now().timestamp()))
        headers = {
            "Content-Type": MEDIA_TYPE,
            "User-Agent": "cluster-academy-webhooks/1",
            "X-Academy-Delivery": doc["_id"],
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(subscription["secret"], timestamp, body),
        }
        attributes = {
            "http.request.method": "POST",
            "academy.webhook.subscription_id": str(doc["subscription_id"]),
            "cloudevents.event_type": str(doc["event_type"]),
        }
        with telemetry.client_span("webhook POST", attributes):
            headers.update(telemetry.carrier())
            try:
                async with asyncio.timeout(self._timeout * 2):
                    # the thread is left to end at its own socket timeout
                    await asyncio.to_thread(self.post, subscription["url"], body, headers)
            except TimeoutError as exc:
                raise TransientFailure(f"no answer within {self._timeout * 2:.0f} s") from exc

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> None:
        """POST ``body`` to ``url`` at its checked address; follows no redirection."""
        try:
            parts = urlsplit(url)
            host, port = parts.hostname or "", parts.port
        except ValueError as exc:
            raise PermanentFailure(f"not a URL: {exc}") from exc
        tls = parts.scheme == "https"
        if not tls and not self._policy.allow_http:
            raise PermanentFailure("refused: plain http is not allowed by the operator")
        port = port or (443 if tls else 80)
        address = checked_address(self._policy, host, port)
        kind = _PinnedTls if tls else _Pinned
        connection = kind(host, port, address, self._timeout)
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc
        finally:
            connection.close()
        if 200 <= status < 300:
            return
        if status >= 500 or status in RETRYABLE:
            raise TransientFailure(f"HTTP {status}")
        raise PermanentFailure(f"HTTP {status}")
