from __future__ import annotations

from pydantic import Field

from academy_kit.settings import ServiceSettings


class SelectionSettings(ServiceSettings):
    service_name: str = "selection"
    http_port: int = 8002
    offer_sweep_seconds: float = Field(default=60.0, gt=0)
    """How often open offers are checked against their deadline (``ACADEMY_OFFER_SWEEP_SECONDS``);
    an offer lapses at most this long after its deadline."""
