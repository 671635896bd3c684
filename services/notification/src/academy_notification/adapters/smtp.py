"""Sending one message to the configured SMTP server with aiosmtplib.

Failures are sorted into those worth retrying (the server is unreachable, times out, or answers
4xx) and permanent ones (a 5xx answer: the recipient or the message is refused, or a message
that cannot be written), so a bad address fails at once instead of after every retry.

Names and subjects hold what people typed (a participant's name, a cluster's name); a line
break in them would end the header and start another, so they are folded to one line here, at
the edge where they become headers, and the mail library (``policy.SMTP``) encodes them.

No instrumentation covers SMTP, so the send is a span of its own (:mod:`academy_kit.telemetry`),
named by its template and the event that caused it: not by its key, which holds the recipient's
address (personal data).
"""

from __future__ import annotations

import re
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib

from academy_kit import erasure, telemetry
from academy_kit.mongo import Document
from academy_notification.domain.delivery import PermanentFailure, TransientFailure
from academy_notification.settings import NotificationSettings

_BREAKS = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029\s]+")


def one_line(text: str) -> str:
    """``text`` with every run of line breaks, control characters and spaces made one space."""
    return _BREAKS.sub(" ", text).strip()


def email_message(settings: NotificationSettings, doc: Document) -> EmailMessage:
    """The message as sent; ValueError (the library refuses a header) when it cannot be
    written, a permanent failure of this message only."""
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(one_line(settings.mail_from_name), addr_spec=str(settings.mail_from))
    message["To"] = Address(one_line(doc["recipient_name"]), addr_spec=doc["recipient"])
    message["Subject"] = one_line(doc["subject"])
    message["Date"] = format_datetime(doc["created_at"])
    message["Message-ID"] = doc["rfc_message_id"]
    message["X-Academy-Notification"] = doc["_id"]
    message["X-Academy-Template"] = doc["template"]
    message.set_content(doc["body"])
    message["Content-Language"] = doc["language"]  # after set_content, which drops Content-*
    return message


class SmtpMailer:
    def __init__(self, settings: NotificationSettings) -> None:
        self._settings = settings

    async def __call__(self, doc: Document) -> None:
        settings = self._settings
        if erasure.is_erased_address(doc["recipient"]):
            raise PermanentFailure("the recipient's personal data was erased")
        with telemetry.client_span(
            "smtp send",
            {
                "server.address": settings.smtp_host,
                "server.port": settings.smtp_port,
                "academy.notification.template": doc["template"],
                "academy.notification.source_event_id": doc["source_event_id"],
            },
        ):
            await self._send(settings, doc)

    async def _send(self, settings: NotificationSettings, doc: Document) -> None:
        try:
            message = email_message(settings, doc)
        except (ValueError, TypeError) as exc:
            raise PermanentFailure(f"message cannot be written: {exc}") from exc
        try:
            await aiosmtplib.send(
                message,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=(
                    settings.smtp_password.get_secret_value() if settings.smtp_password else None
                ),
                use_tls=settings.smtp_tls,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            failure = PermanentFailure if all(c >= 500 for c in codes) else TransientFailure
            raise failure(f"recipient refused: {exc}") from exc
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPConnectResponseError) as exc:
            raise TransientFailure(f"SMTP server: {exc}") from exc  # its fault, not the message's
        except aiosmtplib.SMTPResponseException as exc:
            failure = PermanentFailure if exc.code >= 500 else TransientFailure
            raise failure(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise TransientFailure(f"{type(exc).__name__}: {exc}") from exc
