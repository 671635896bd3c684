from __future__ import annotations

from datetime import timedelta

from pydantic import Field

from academy_kit.settings import ServiceSettings


class RegistrationSettings(ServiceSettings):
    service_name: str = "registration"
    http_port: int = 8001
    seed_first_edition: bool = True
    """Create the first edition (deadline 15 October 2023, Europe/Paris) at start if absent."""
    check_in_opens_before: timedelta = Field(default=timedelta(hours=1), ge=timedelta(0))
    """How long before a session starts the desk may check participants in (until it ends);
    ISO 8601 (``PT1H``) or ``HH:MM:SS``."""
