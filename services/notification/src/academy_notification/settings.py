"""Configuration of the notification service: the mail server, the retry policy, the program's
facts that messages quote, the scheduled messages (session reminders, missed-session warnings,
the project manager's daily digest), and webhook calls."""

from __future__ import annotations

from pydantic import EmailStr, Field, SecretStr

from academy_contracts.values import Language
from academy_kit.settings import ServiceSettings
from academy_notification.domain.program import ProgramFacts


class NotificationSettings(ServiceSettings):
    model_config = ServiceSettings.model_config | {"env_nested_delimiter": "__"}

    service_name: str = "notification"
    http_port: int = 8003

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    """Upgrade the connection with STARTTLS (port 587 servers); ``smtp_tls`` is implicit TLS."""
    smtp_tls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: EmailStr = "academy@anima.coop"
    mail_from_name: str = "Euromed Cluster Academy"

    send_max_attempts: int = Field(default=8, ge=1)
    """Attempts of one message before it is recorded as failed for good."""
    retry_base_seconds: float = Field(default=5.0, gt=0)
    """The wait after the first failed attempt; it doubles at each further failure."""
    retry_max_seconds: float = Field(default=900.0, gt=0)
    dispatch_poll_seconds: float = Field(default=1.0, gt=0)
    """How often the senders look for due messages when nothing wakes them."""
    dispatch_batch: int = Field(default=50, ge=1)
    dispatch_stuck_seconds: float = Field(default=300.0, gt=0)
    """Readiness reports the mail or webhook queue stuck (``mail_queue``, ``webhook_queue``) when
    its oldest due item has waited this long with no attempt ending; keep it above the SMTP and
    webhook timeouts."""

    link_base_url: str = "http://127.0.0.1:8005/applications"
    """Where the web pages of applications are: the manager's link is ``<link_base_url>/<id>``
    and a participant's ``<link_base_url>/<id>/participants/<participant id>``, each with
    ``?token=<their personal link token>&lang=<their preferred language>``."""
    program: ProgramFacts = ProgramFacts()
    time_zone: str = "Europe/Paris"
    """The program's time zone: messages quote times in it when the edition names none, and the
    daily digest is scheduled in it."""

    schedule_poll_seconds: float = Field(default=60.0, gt=0)
    """How often the scheduler looks for due reminders, missed-session warnings and digests."""
    reminder_lead_hours: float = Field(default=24.0, gt=0)
    """A session's reminder goes out from this long before it starts (the day before) until it
    starts; a participant selected later than that is reminded at once."""
    missed_session_grace_hours: float = Field(default=2.0, ge=0)
    """How long after a session ends a missing check-in becomes a warning, so the desk's late
    check-ins still count."""
    missed_session_horizon_hours: float = Field(default=72.0, gt=0)
    """Warnings go out only this long after the grace period: a service deployed or restored
    late does not write about sessions long past."""

    project_manager_email: EmailStr | None = None
    """Where the digest goes; the program's contact when unset."""
    project_manager_name: str | None = None
    """The name the digest greets; the program's contact when unset."""
    project_manager_language: Language = Language.FR
    digest_daily: bool = True
    """Send the digest every day at ``digest_hour``; off, it is sent on demand only."""
    digest_hour: int = Field(default=8, ge=0, le=23)
    """The hour, in ``time_zone``, of the daily digest; it covers the 24 hours before it."""

    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    """The bound of each connection, read and write of one delivery, and of the delivery in
    all, so a receiver that hangs costs at most about this long per attempt."""
    webhook_allow_http: bool = False
    """Accept plain http webhook URLs; https only otherwise."""
    webhook_allowed_targets: list[str] = Field(default_factory=list)
    """Host names and networks (CIDR or one address) that webhooks may reach although they are
    loopback, private or link-local: an operator's internal receiver. JSON in the environment:
    ``ACADEMY_WEBHOOK_ALLOWED_TARGETS='["hooks.internal", "10.1.0.0/16"]'``."""
