from __future__ import annotations

from academy_kit.settings import ServiceSettings


class ReimbursementSettings(ServiceSettings):
    service_name: str = "reimbursement"
    http_port: int = 8004
