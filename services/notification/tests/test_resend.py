"""``academy resend`` against the notification service on the real servers: an email that
failed (the mail server was down) and a webhook call that failed (the integrator answered 503)
are sent again once, after the cause is mended; asking again, before or after, sends nothing
more."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings
from academy_notification.adapters.messages import MessageFilter
from academy_ops.resend import Kind, ResendRefused, operator_token, resend

from .conftest import SmtpServer
from .support.story import Story
from .test_staff_and_webhooks import SECRET, Receiver

pytestmark = pytest.mark.integration
# The waits below are bounds for a loaded machine (seconds when idle).

SUBMITTED = "org.euromed.academy.application.submitted.v1"


@contextmanager
def _serving(receiver: Receiver) -> Iterator[Receiver]:
    thread = threading.Thread(target=receiver.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()


async def test_a_failed_email_and_webhook_call_are_resent_once(
    start_notification: Any,
    smtp: SmtpServer,
    send: Any,
    story: Story,
    staff_headers: Any,
    eventually: Any,
) -> None:
    token = operator_token(ServiceSettings())
    smtp.stop()
    with _serving(Receiver()) as receiver:
        async with start_notification(
            send_max_attempts=1, webhook_allow_http=True, webhook_allowed_targets=["127.0.0.1"]
        ) as notification:
            form = {"url": receiver.url, "event_types": [SUBMITTED], "secret": SECRET}
            created = await notification.post(
                "/v1/webhooks", json=form, headers=staff_headers("admin")
            )
            assert created.status_code == 201, created.text
            subscription = created.json()["id"]
            [submitted] = await send(story.submitted())
            messages = notification.app.state.messages

            async def failed() -> list[Any] | None:
                found = await messages.find(MessageFilter(application_id=story.application_id))
                return (
                    found
                    if len(found) == 3 and {m["status"] for m in found} == {"failed"}
                    else None
                )

            async def delivery_is(status: str) -> dict[str, Any] | None:
                log = await notification.get(
                    f"/v1/webhooks/{subscription}/deliveries", headers=staff_headers("admin")
                )
                mine = [d for d in log.json() if d["event_id"] == submitted.id]
                return mine[0] if mine and mine[0]["status"] == status else None

            [message, *_] = await eventually(failed, timeout=180, interval=1)
            delivery = await eventually(lambda: delivery_is("failed"), timeout=180, interval=1)
            smtp.start()  # mended: the mail server is back; the integrator now answers 204

            first = await resend(notification, Kind.MESSAGE, message["_id"], token)
            again = await resend(notification, Kind.MESSAGE, message["_id"], token)

            async def sent() -> bool:
                found = await messages.get(message["_id"])
                return found is not None and found["status"] == "sent"

            await eventually(sent, timeout=180, interval=1)
            after = await resend(notification, Kind.MESSAGE, message["_id"], token)
            call = await resend(notification, Kind.WEBHOOK, delivery["id"], token)
            resent_delivery = await eventually(lambda: delivery_is("sent"), timeout=180, interval=1)
            call_again = await resend(notification, Kind.WEBHOOK, delivery["id"], token)
            with pytest.raises(ResendRefused, match="HTTP 404"):
                await resend(notification, Kind.MESSAGE, f"nothing-{story.uid}", token)
            committee = mint(ServiceSettings(), "c@test", [Role.COMMITTEE], timedelta(minutes=5))
            with pytest.raises(ResendRefused, match="HTTP 403"):
                await resend(notification, Kind.WEBHOOK, delivery["id"], committee)
            stored = await messages.get(message["_id"])

    assert (first.resent, first.status) == (True, "pending")
    assert (again.resent, again.status) == (False, "pending")
    assert (after.resent, after.status) == (False, "sent")
    assert len(smtp.inbox.messages(message["recipient"])) == 1
    assert stored is not None
    assert [e["outcome"] for e in stored["log"]] == ["failed", "resent", "delivered"]
    assert stored["rfc_message_id"] == message["rfc_message_id"]
    assert (call.resent, call_again.resent, call_again.status) == (True, False, "sent")
    assert [e["outcome"] for e in resent_delivery["log"]] == ["failed", "resent", "delivered"]
    assert len(receiver.about(story.application_id)) == 2  # the 503, then the resend
