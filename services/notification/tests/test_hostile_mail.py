"""Hostile or clumsy input on the mail path (issue 12): a participant's name with a line break
in it must reach the mail server as one folded header, and never stop the mail of the
applications after it."""

from __future__ import annotations

from email import message_from_bytes, policy
from typing import Any

import pytest

from academy_notification.adapters.smtp import email_message
from academy_notification.settings import NotificationSettings

from .conftest import SmtpServer
from .support.story import Story

pytestmark = pytest.mark.integration


async def test_a_line_break_in_a_name_stops_no_mail(
    notification: Any, send: Any, smtp: SmtpServer, uid: str, eventually: Any
) -> None:
    """Before the fix the header refused the name (ValueError), the dispatcher's pass ended at
    that message every time and the ordinary application behind it got no email."""
    hostile = Story(f"{uid}h")
    first = hostile.participants[0]
    hostile.participants[0] = first.model_copy(
        update={"full_name": "Amira\r\nBcc: victim@example.com\r\nX-Evil: 1"}
    )
    ordinary = Story(f"{uid}o")
    await send(hostile.submitted())
    await send(ordinary.submitted())

    async def ordinary_mail() -> bool:
        return smtp.inbox.count(ordinary.uid) == 3

    await eventually(ordinary_mail)
    assert sorted(str(m["To"]) for m in smtp.inbox.about(ordinary.uid)) == sorted(
        f"{p.full_name} <{p.email}>" for p in ordinary.participants
    )

    async def hostile_mail() -> bool:
        return smtp.inbox.count(hostile.uid) == 3

    await eventually(hostile_mail)
    [folded] = smtp.inbox.messages(hostile.email(0))
    assert folded["To"].addresses[0].display_name == "Amira Bcc: victim@example.com X-Evil: 1"
    assert folded["X-Evil"] is None
    assert folded["Bcc"] is None
    rcpts = [r for r, m in smtp.inbox.received if m is folded]
    assert rcpts == [[hostile.email(0)]]


def test_person_text_is_folded_into_encoded_headers() -> None:
    settings = NotificationSettings(mail_from_name="Academy\nX-Injected: yes")
    doc = {
        "_id": "k",
        "template": "selected",
        "language": "fr",
        "recipient": "amira@pole-sante.tn",
        "recipient_name": 'Amira\r\n Ben\u2028Salah, "Dr"',
        "subject": "Pôle\r\nBcc: x@example.com",
        "body": "Bonjour",
        "rfc_message_id": "<k@anima.coop>",
        "created_at": Story("x").now,
    }
    raw = email_message(settings, doc).as_bytes()
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert b"\nBcc:" not in headers
    assert b"\nX-Injected:" not in headers
    assert b'To: "Amira Ben Salah, \\"Dr\\"" <amira@pole-sante.tn>' in headers
    assert b"Subject: =?utf-8?" in headers, "non-ASCII text is encoded by the mail library"
    parsed = message_from_bytes(raw, policy=policy.default)
    assert str(parsed["Subject"]) == "Pôle Bcc: x@example.com"
    assert str(parsed["From"]) == '"Academy X-Injected: yes" <academy@anima.coop>'


async def test_readiness_names_a_mail_queue_whose_head_does_not_move(
    start_notification: Any, send: Any, smtp: SmtpServer, story: Story, eventually: Any
) -> None:
    """A mail server that takes seconds to accept each message holds the queue's head: readiness
    answers 503 naming ``mail_queue`` until the message is accepted, then 200 again. Before,
    readiness stayed 200 while nothing moved."""
    smtp.inbox.delay = 3.0
    async with start_notification(dispatch_stuck_seconds=0.5) as client:
        await send(story.submitted())

        async def stuck() -> dict[str, Any] | None:
            answer = await client.get("/health/ready")
            return answer.json() if answer.status_code == 503 else None

        report = await eventually(stuck)
        assert "mail_queue" in report["stuck"], report
        assert "has waited" in report["stuck"]["mail_queue"]
        smtp.inbox.delay = 0.0

        async def whole() -> bool:
            answer = await client.get("/health/ready")
            return smtp.inbox.count(story.uid) == 3 and answer.status_code == 200

        await eventually(whole)
