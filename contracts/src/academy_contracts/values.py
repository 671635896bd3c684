"""Value types every event uses: the program's enums, money, identifiers and UTC times."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    EmailStr,
    Field,
    StringConstraints,
)


class Country(StrEnum):
    """The seven eligible southern Mediterranean countries (ISO 3166-1 alpha-2)."""

    ALGERIA = "DZ"
    EGYPT = "EG"
    JORDAN = "JO"
    LEBANON = "LB"
    MOROCCO = "MA"
    PALESTINE = "PS"
    TUNISIA = "TN"


class Sector(StrEnum):
    """The four eligible cluster sectors."""

    HEALTH = "health"
    AERONAUTICS_MECHANICS = "aeronautics_mechanics"
    MARITIME_LOGISTICS = "maritime_logistics"
    ENERGY_ENVIRONMENT = "energy_environment"


class Language(StrEnum):
    """The Academy runs in French and English."""

    FR = "fr"
    EN = "en"


class ParticipantRole(StrEnum):
    """An application names one cluster manager and two board members."""

    CLUSTER_MANAGER = "cluster_manager"
    BOARD_MEMBER = "board_member"


class Sex(StrEnum):
    """A participant's sex as they state it, for the funder's figures disaggregated by sex (EU
    results frameworks ask for them); stating it is optional, and declining is an answer."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    PREFER_NOT_TO_SAY = "prefer_not_to_say"


class Currency(StrEnum):
    """ISO 4217 codes of the currencies expenses are incurred in: the euro and the seven
    countries' own (Palestine uses the shekel and the Jordanian dinar)."""

    EUR = "EUR"
    DZD = "DZD"
    EGP = "EGP"
    JOD = "JOD"
    LBP = "LBP"
    MAD = "MAD"
    ILS = "ILS"
    TND = "TND"


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDateTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware instant, normalised to UTC; naive datetimes are refused."""

Identifier = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
]
"""An opaque id (UUID or ULID); safe in URLs, Kafka keys and MongoDB keys."""


ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
"""A name or a title: one line."""
BoundedText = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)
]
"""Free text such as motivations: bounded, so one field cannot swell a document."""
Phone = Annotated[str, StringConstraints(max_length=40)]


class ContractModel(BaseModel):
    """Base of every contract model: immutable, and tolerant of fields added later within a
    version (a consumer built against v1.0 reads a v1.1 message)."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Money(ContractModel):
    """An amount in a currency; Decimal on the wire as a string, never a float."""

    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: Currency


class Participant(ContractModel):
    """One of the three people a cluster sends to the Academy."""

    participant_id: Identifier
    role: ParticipantRole
    full_name: ShortText
    email: EmailStr
    phone: Phone | None = None
    language: Language
    sex: Sex | None = None
    """Optional; None when the applicant did not answer (added in v1.1)."""


class ExpenseCategory(StrEnum):
    """What a participant may claim for."""

    TRAVEL = "travel"
    ACCOMMODATION = "accommodation"
    VISA = "visa"
    LOCAL_TRANSPORT = "local_transport"
    MEALS = "meals"
    OTHER = "other"


class DocumentKind(StrEnum):
    """What a supporting document proves: reimbursement asks for these per expense category and
    names them in DocumentsMissing, and notification reads them back as words."""

    TICKET = "ticket"
    BOARDING_PASS = "boarding_pass"  # noqa: S105 - a document kind
    INVOICE = "invoice"
    RECEIPT = "receipt"
    VISA_RECEIPT = "visa_receipt"
