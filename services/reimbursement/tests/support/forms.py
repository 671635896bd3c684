"""What a participant sends: expense lines and bank details, as JSON-ready dictionaries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from academy_reimbursement.domain.claims import ClaimForm

from .cohort import Cohort

BANK = {
    "beneficiary_name": "Person 0",
    "iban": "TN59 1000 6035 1835 9847 8831",
    "bic": "BSTUTNTT",
    "bank_name": "Banque de Tunisie",
    "bank_country": "TN",
}


def line(cohort: Cohort, category: str, amount: str, currency: str, docs: list[str]) -> Any:
    """An expense line dated during the cohort's first session."""
    return {
        "category": category,
        "expense_date": (cohort.now - timedelta(days=21)).date().isoformat(),
        "description": f"{category} for the Academy",
        "amount": {"amount": amount, "currency": currency},
        "documents": docs,
    }


def claim_form(*lines: Any, bank: dict[str, Any] | None = None) -> ClaimForm:
    return ClaimForm.model_validate({"lines": list(lines), "bank": bank or BANK})
