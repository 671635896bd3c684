from __future__ import annotations

from academy_kit.settings import ServiceSettings


class RegistrationSettings(ServiceSettings):
    service_name: str = "registration"
    http_port: int = 8001
    seed_first_edition: bool = True
    """Create the first edition (deadline 15 October 2023, Europe/Paris) at start if absent."""
