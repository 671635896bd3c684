"""An expense claim and its life: submitted (ExpenseClaimed) → documents missing → complete →
approved or rejected → paid. A submitted claim is checked for its documents in the same write,
so it is stored as either ``documents_missing`` or ``complete``.

A participant makes one claim per edition, covering all the costs they advanced for it (the
claim is assessed once, after the last session). Each expense line carries its supporting
documents; the claim is complete when every line has the documents its category requires
(:data:`~.documents.REQUIRED_DOCUMENTS`). The methods here return the changed claim and never
touch a store, so the handlers write the change and its events in one document write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_extra_types.country import CountryAlpha2
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from academy_contracts.events import (
    DocumentsMissing,
    ExpenseClaimed,
    ExpenseLine,
    IntegrationEvent,
    SupportingDocument,
)
from academy_contracts.values import (
    DocumentKind,
    ExpenseCategory,
    Identifier,
    Money,
    ShortText,
    UtcDateTime,
)
from academy_reimbursement.domain.documents import LineDocument, missing_documents
from academy_reimbursement.domain.failures import UnknownDocuments, UnknownLine, WrongClaimState
from academy_reimbursement.domain.reimbursement import Assessment, LineToConvert


class ClaimState(StrEnum):
    DOCUMENTS_MISSING = "documents_missing"
    COMPLETE = "complete"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


OPEN_STATES = (ClaimState.DOCUMENTS_MISSING, ClaimState.COMPLETE)
"""States in which documents may still be added and finance may still decide."""


def _iban(value: str) -> str:
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValueError(f"not a valid IBAN: {exc}") from None


def _bic(value: str) -> str:
    try:
        return str(BIC(value))
    except SchwiftyException as exc:
        raise ValueError(f"not a valid BIC/SWIFT code: {exc}") from None


def claim_id_of(edition_id: str, participant_id: str) -> str:
    """The id of the participant's one claim for the edition: a resubmission, however it
    arrives, is the same claim."""
    return "claim-" + hashlib.sha256(f"{edition_id}/{participant_id}".encode()).hexdigest()[:32]


class ClaimExists(Exception):
    """The participant's claim for the edition is stored already: a store tells it the handler
    on a second submission, with whether it was the same request."""

    def __init__(self, existing: Claim, same_request: bool) -> None:
        super().__init__(existing.claim_id)
        self.existing, self.same_request = existing, same_request


class BankDetails(BaseModel):
    """Where the reimbursement goes: an international transfer, since none of the seven
    countries is in SEPA. An IBAN is checked (length for its country, checksum); banks of
    countries without IBAN are reached by account number and BIC."""

    model_config = ConfigDict(frozen=True)

    beneficiary_name: ShortText
    iban: Annotated[str, AfterValidator(_iban)] | None = None
    account_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9 -]{4,34}$")]
        | None
    ) = None
    bic: Annotated[str, AfterValidator(_bic)] = Field(description="BIC (SWIFT code) of the bank")
    bank_name: ShortText
    bank_country: CountryAlpha2

    @model_validator(mode="after")
    def _one_account(self) -> Self:
        if (self.iban is None) == (self.account_number is None):
            raise ValueError("give either an iban or an account_number")
        return self


class ExpenseLineForm(BaseModel):
    category: ExpenseCategory
    expense_date: date
    description: ShortText
    amount: Money
    documents: list[Identifier] = Field(default_factory=list, max_length=20)
    """Ids of documents the participant uploaded for this line."""

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.amount.amount <= 0:
            raise ValueError("amount.amount must be greater than 0")
        return self


MAX_DOCUMENTS = 100
"""Documents named at submission, all lines together (ExpenseClaimed lists at most 100)."""


MAX_LINES = 50
"""Lines of one claim: DocumentsMissing describes at most 50 incomplete lines."""


class ClaimForm(BaseModel):
    lines: list[ExpenseLineForm] = Field(min_length=1, max_length=MAX_LINES)
    bank: BankDetails

    @model_validator(mode="after")
    def _documents_listed(self) -> Self:
        if len({d for line in self.lines for d in line.documents}) > MAX_DOCUMENTS:
            raise ValueError(f"at most {MAX_DOCUMENTS} documents in all lines together")
        return self


class ClaimLine(BaseModel):
    line_id: str
    category: ExpenseCategory
    expense_date: date
    description: str
    amount: Money
    documents: list[LineDocument] = Field(default_factory=list)

    def missing(self) -> list[DocumentKind]:
        return missing_documents(self.category, {d.kind for d in self.documents})

    def to_convert(self) -> LineToConvert:
        return LineToConvert(
            line_id=self.line_id,
            category=self.category,
            expense_date=self.expense_date,
            amount=self.amount.amount,
            currency=self.amount.currency,
        )


class MissingDocument(BaseModel):
    line_id: str
    category: ExpenseCategory
    kind: DocumentKind


def describe_missing(missing: list[MissingDocument]) -> list[str]:
    """One text per incomplete line, e.g. ``L1 (travel): boarding_pass, ticket``."""
    by_line: dict[tuple[str, str], list[str]] = {}
    for item in missing:
        by_line.setdefault((item.line_id, item.category.value), []).append(item.kind.value)
    return [
        f"{line} ({category}): {', '.join(kinds)}" for (line, category), kinds in by_line.items()
    ]


class Claim(BaseModel):
    claim_id: str
    application_id: str
    edition_id: str
    participant_id: str
    state: ClaimState
    lines: list[ClaimLine]
    bank: BankDetails
    missing: list[MissingDocument] = Field(default_factory=list)
    submitted_at: UtcDateTime
    updated_at: UtcDateTime
    assessment: Assessment | None = None
    decided_at: UtcDateTime | None = None
    decided_by: str | None = None
    rejection_reason: str | None = None
    batch_id: str | None = None
    paid_at: UtcDateTime | None = None
    payment_reference: str | None = None

    @classmethod
    def submit(
        cls,
        form: ClaimForm,
        documents: dict[str, LineDocument],
        *,
        claim_id: str,
        application_id: str,
        edition_id: str,
        participant_id: str,
        at: datetime,
    ) -> Claim:
        """The claim as submitted, already checked for its documents; ``documents`` holds the
        participant's uploads that the lines name."""
        lines = [
            ClaimLine(
                line_id=f"L{n}",
                category=line.category,
                expense_date=line.expense_date,
                description=line.description,
                amount=line.amount,
                documents=[documents[d] for d in dict.fromkeys(line.documents)],
            )
            for n, line in enumerate(form.lines, start=1)
        ]
        missing = _missing(lines)
        return cls(
            claim_id=claim_id,
            application_id=application_id,
            edition_id=edition_id,
            participant_id=participant_id,
            state=ClaimState.DOCUMENTS_MISSING if missing else ClaimState.COMPLETE,
            lines=lines,
            bank=form.bank,
            missing=missing,
            submitted_at=at,
            updated_at=at,
        )

    def require(self, *allowed: ClaimState) -> None:
        if self.state not in allowed:
            raise WrongClaimState(self.state.value, [state.value for state in allowed])

    def line(self, line_id: str) -> ClaimLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    def with_documents(self, line_id: str, documents: list[LineDocument], at: datetime) -> Claim:
        """The claim with more documents on one line, checked again; documents it already
        holds are not added twice."""
        if self.line(line_id) is None:
            raise UnknownLine(line_id, [line.line_id for line in self.lines])
        self.require(*OPEN_STATES)
        lines = []
        for line in self.lines:
            if line.line_id == line_id:
                held = {d.document_id for d in line.documents}
                added = [d for d in documents if d.document_id not in held]
                line = line.model_copy(update={"documents": [*line.documents, *added]})
            lines.append(line)
        missing = _missing(lines)
        state = ClaimState.DOCUMENTS_MISSING if missing else ClaimState.COMPLETE
        return self.model_copy(
            update={"lines": lines, "missing": missing, "state": state, "updated_at": at}
        )

    @property
    def payable(self) -> bool:
        """Approved and in no payment batch yet: a claim enters one batch only."""
        return self.state is ClaimState.APPROVED and self.batch_id is None

    def into_batch(self, batch_id: str, at: datetime) -> Claim:
        if not self.payable:
            raise WrongClaimState(self.state.value, [ClaimState.APPROVED.value])
        return self.model_copy(update={"batch_id": batch_id, "updated_at": at})

    def approve(self, assessment: Assessment, by: str, at: datetime) -> Claim:
        self.require(ClaimState.COMPLETE)
        return self.model_copy(
            update={
                "state": ClaimState.APPROVED,
                "assessment": assessment,
                "decided_at": at,
                "decided_by": by,
                "updated_at": at,
            }
        )

    def reject(self, reason: str, by: str, at: datetime) -> Claim:
        self.require(*OPEN_STATES)
        return self.model_copy(
            update={
                "state": ClaimState.REJECTED,
                "rejection_reason": reason,
                "decided_at": at,
                "decided_by": by,
                "updated_at": at,
            }
        )

    def pay(self, reference: str, at: datetime) -> Claim:
        self.require(ClaimState.APPROVED)
        return self.model_copy(
            update={
                "state": ClaimState.PAID,
                "payment_reference": reference,
                "paid_at": at,
                "updated_at": at,
            }
        )


def _missing(lines: list[ClaimLine]) -> list[MissingDocument]:
    return [
        MissingDocument(line_id=line.line_id, category=line.category, kind=kind)
        for line in lines
        for kind in line.missing()
    ]


def own_documents(
    uploaded: list[LineDocument], named: Iterable[str], *, field: str
) -> dict[str, LineDocument]:
    """The participant's uploads by id; refuses when ``named`` holds an id they never
    uploaded (a claim names only its participant's own documents)."""
    by_id = {d.document_id: d for d in uploaded}
    unknown = sorted(set(named) - by_id.keys())
    if unknown:
        raise UnknownDocuments(unknown, field)
    return by_id


def submit_claim(
    form: ClaimForm,
    uploaded: list[LineDocument],
    *,
    claim_id: str,
    application_id: str,
    edition_id: str,
    participant_id: str,
    at: datetime,
) -> tuple[Claim, list[IntegrationEvent]]:
    """The claim as submitted, already checked for its documents, and its events:
    ExpenseClaimed, and DocumentsMissing when a line lacks a required document."""
    named = [d for line in form.lines for d in line.documents]
    documents = own_documents(uploaded, named, field="lines.documents")
    claim = Claim.submit(
        form,
        documents,
        claim_id=claim_id,
        application_id=application_id,
        edition_id=edition_id,
        participant_id=participant_id,
        at=at,
    )
    claimed = ExpenseClaimed(
        application_id=claim.application_id,
        edition_id=claim.edition_id,
        claim_id=claim.claim_id,
        participant_id=claim.participant_id,
        lines=[
            ExpenseLine(
                line_id=line.line_id,
                category=line.category,
                expense_date=line.expense_date,
                description=line.description,
                amount=line.amount,
            )
            for line in claim.lines
        ],
        documents=list(
            {
                d.document_id: SupportingDocument.model_validate(d.model_dump())
                for line in claim.lines
                for d in line.documents
            }.values()
        ),
        claimed_at=claim.submitted_at,
    )
    events: list[IntegrationEvent] = [claimed]
    if claim.missing:
        events.append(
            DocumentsMissing(
                application_id=claim.application_id,
                edition_id=claim.edition_id,
                claim_id=claim.claim_id,
                participant_id=claim.participant_id,
                missing=describe_missing(claim.missing),
                noted_at=claim.submitted_at,
            )
        )
    return claim, events


def attach_documents(
    claim: Claim, line_id: str, uploaded: list[LineDocument], document_ids: list[str], at: datetime
) -> Claim:
    """The claim with the participant's uploads ``document_ids`` added to one line; it is
    complete once every line has the documents its category requires."""
    documents = own_documents(uploaded, document_ids, field="document_ids")
    attached = [documents[d] for d in dict.fromkeys(document_ids)]
    return claim.with_documents(line_id, attached, at)
