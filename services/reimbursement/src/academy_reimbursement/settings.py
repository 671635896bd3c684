from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, field_validator

from academy_contracts.values import ExpenseCategory
from academy_kit.settings import ServiceSettings

MIB = 1024 * 1024

EurAmount = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]

BUILT_IN_CAPS: dict[ExpenseCategory, Decimal] = {
    ExpenseCategory.TRAVEL: Decimal("800.00"),
    ExpenseCategory.ACCOMMODATION: Decimal("700.00"),
    ExpenseCategory.VISA: Decimal("150.00"),
    ExpenseCategory.LOCAL_TRANSPORT: Decimal("150.00"),
    ExpenseCategory.MEALS: Decimal("300.00"),
    ExpenseCategory.OTHER: Decimal("100.00"),
}


class ReimbursementSettings(ServiceSettings):
    service_name: str = "reimbursement"
    http_port: int = 8004
    max_document_bytes: int = Field(default=5 * MIB, ge=1, le=15 * MIB)
    """Largest supporting document accepted; below MongoDB's 16 MiB document limit, since the
    bytes are kept in one document (FerretDB 1.x has no GridFS)."""
    default_caps_eur: dict[ExpenseCategory, EurAmount] = Field(
        default_factory=lambda: dict(BUILT_IN_CAPS)
    )
    """Most eligible per category of one claim, in euros, where finance set no cap of the
    edition's own. ``ACADEMY_DEFAULT_CAPS_EUR`` (JSON) replaces some; the rest stay built in."""

    @field_validator("default_caps_eur", mode="after")
    @classmethod
    def _every_category(
        cls, value: dict[ExpenseCategory, Decimal]
    ) -> dict[ExpenseCategory, Decimal]:
        return {**BUILT_IN_CAPS, **value}
