"""Sending one message to the configured SMTP server with aiosmtplib.

Failures are sorted into those worth retrying (the server is unreachable, times out, or answers
4xx) and permanent ones (a 5xx answer: the recipient or the message is refused), so a bad
address fails at once instead of after every retry.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, formataddr

import aiosmtplib

from academy_kit.mongo import Document
from academy_notification.domain.delivery import PermanentFailure, TransientFailure
from academy_notification.settings import NotificationSettings


def email_message(settings: NotificationSettings, doc: Document) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr((settings.mail_from_name, str(settings.mail_from)))
    message["To"] = formataddr((doc["recipient_name"], doc["recipient"]))
    message["Subject"] = doc["subject"]
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
        try:
            await aiosmtplib.send(
                email_message(settings, doc),
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
