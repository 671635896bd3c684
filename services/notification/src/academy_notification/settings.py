"""Configuration of the notification service: the mail server, the retry policy, the program's
facts that messages quote, and webhook calls."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, EmailStr, Field, SecretStr

from academy_kit.settings import ServiceSettings


class ProgramFacts(BaseModel):
    """What every message may quote about the program, from the call for applications.
    Nested variables: ``ACADEMY_PROGRAM__CONTACT_NAME=...``."""

    model_config = ConfigDict(frozen=True)

    name_fr: str = "Académie des clusters Euromed"
    name_en: str = "Euromed Cluster Academy"
    contact_name: str = "Sarra Boussaïdi"
    contact_title_fr: str = "Mme"
    contact_title_en: str = "Ms."
    contact_role_fr: str = "cheffe de projet"
    contact_role_en: str = "Project Manager"
    contact_email: EmailStr = "academy@anima.coop"
    application_deadline: date = date(2023, 10, 15)
    reimbursement_percent: int = Field(default=90, ge=1, le=100)
    compulsory_attendance: bool = True
    organizer: str = "ANIMA Investment Network"


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

    link_base_url: str = "http://127.0.0.1:8001/v1/applications"
    """Applicants' private link is ``<link_base_url>/<application id>?token=<link token>``."""
    program: ProgramFacts = ProgramFacts()
    time_zone: str = "Europe/Paris"
    """The time zone messages quote times in when the edition names none."""

    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
