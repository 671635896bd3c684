from __future__ import annotations

from academy_kit.settings import ServiceSettings


class SelectionSettings(ServiceSettings):
    service_name: str = "selection"
    http_port: int = 8002
