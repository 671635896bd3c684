"""The claim's rules without a store: required documents, states, attendance, bank details and
which files are accepted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from academy_contracts.events import EditionSession, LocalizedText
from academy_contracts.values import DocumentKind
from academy_reimbursement.domain.attendance import check_attendance
from academy_reimbursement.domain.claims import (
    BankDetails,
    Claim,
    ClaimForm,
    ClaimState,
    describe_missing,
)
from academy_reimbursement.domain.documents import LineDocument, media_type_of
from academy_reimbursement.domain.failures import WrongClaimState
from academy_reimbursement.domain.money import RateTable
from academy_reimbursement.domain.reimbursement import assess
from academy_reimbursement.settings import BUILT_IN_CAPS

NOW = datetime(2024, 5, 1, 12, tzinfo=UTC)
BANK = {
    "beneficiary_name": "Amira Ben Salah",
    "iban": "TN59 1000 6035 1835 9847 8831",
    "bic": "BSTUTNTT",
    "bank_name": "Banque de Tunisie",
    "bank_country": "TN",
}


def doc(document_id: str, kind: DocumentKind) -> LineDocument:
    return LineDocument(
        document_id=document_id,
        kind=kind,
        filename=f"{document_id}.pdf",
        media_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
    )


def line(category: str, amount: str, currency: str = "EUR", documents: Any = ()) -> Any:
    return {
        "category": category,
        "expense_date": "2024-04-10",
        "description": f"{category} costs",
        "amount": {"amount": amount, "currency": currency},
        "documents": list(documents),
    }


def submit(*lines: Any, documents: dict[str, LineDocument] | None = None) -> Claim:
    return Claim.submit(
        ClaimForm.model_validate({"lines": list(lines), "bank": BANK}),
        documents or {},
        claim_id="c1",
        application_id="a1",
        edition_id="e1",
        participant_id="p1",
        at=NOW,
    )


def test_a_claim_lists_what_each_line_lacks_and_is_complete_once_it_has_it() -> None:
    ticket = doc("d-ticket", DocumentKind.TICKET)
    claim = submit(
        line("travel", "420.00", documents=["d-ticket"]),
        line("accommodation", "300.00"),
        documents={"d-ticket": ticket},
    )
    assert claim.state is ClaimState.DOCUMENTS_MISSING
    assert [(m.line_id, m.kind) for m in claim.missing] == [
        ("L1", DocumentKind.BOARDING_PASS),
        ("L2", DocumentKind.INVOICE),
    ]
    assert describe_missing(claim.missing) == [
        "L1 (travel): boarding_pass",
        "L2 (accommodation): invoice",
    ]
    claim = claim.with_documents("L1", [doc("d-pass", DocumentKind.BOARDING_PASS), ticket], NOW)
    assert claim.state is ClaimState.DOCUMENTS_MISSING
    assert [d.document_id for d in claim.lines[0].documents] == ["d-ticket", "d-pass"]
    claim = claim.with_documents("L2", [doc("d-invoice", DocumentKind.INVOICE)], NOW)
    assert claim.state is ClaimState.COMPLETE
    assert claim.missing == []


def test_a_document_of_the_wrong_kind_does_not_count() -> None:
    claim = submit(
        line("visa", "80.00", documents=["d"]), documents={"d": doc("d", DocumentKind.RECEIPT)}
    )
    assert [m.kind for m in claim.missing] == [DocumentKind.VISA_RECEIPT]


def test_only_a_complete_claim_is_approved_and_only_an_approved_one_paid() -> None:
    claim = submit(line("meals", "25.00"))
    assessment = assess([ln.to_convert() for ln in claim.lines], RateTable(0, ()), BUILT_IN_CAPS)
    with pytest.raises(WrongClaimState) as refused:
        claim.approve(assessment, "finance@test", NOW)
    assert refused.value.allowed == ["complete"]
    with pytest.raises(WrongClaimState):
        claim.pay("ref", NOW)
    complete = claim.with_documents("L1", [doc("r", DocumentKind.RECEIPT)], NOW)
    approved = complete.approve(assessment, "finance@test", NOW)
    assert approved.assessment is not None
    assert approved.assessment.reimbursed_eur == Decimal("22.50")
    batched = approved.into_batch("b1", NOW)
    with pytest.raises(WrongClaimState):
        batched.into_batch("b2", NOW)  # a claim is in one batch at most
    paid = batched.pay("TRF-1", NOW)
    assert paid.state is ClaimState.PAID
    with pytest.raises(WrongClaimState):
        paid.pay("TRF-2", NOW)
    with pytest.raises(WrongClaimState):
        paid.reject("too late", "finance@test", NOW)


def test_lines_need_a_positive_amount_with_at_most_two_decimals() -> None:
    with pytest.raises(ValidationError, match="greater than 0"):
        submit(line("meals", "0.00"))
    with pytest.raises(ValidationError, match="decimal places"):
        submit(line("meals", "1.005"))
    with pytest.raises(ValidationError, match="currency"):
        submit(line("meals", "1.00", currency="USD"))


def test_bank_details_check_the_iban_and_bic_and_need_one_account() -> None:
    details = BankDetails.model_validate(BANK)
    assert details.iban == "TN5910006035183598478831"
    with pytest.raises(ValidationError, match="IBAN"):
        BankDetails.model_validate({**BANK, "iban": "TN5910006035183598478832"})
    with pytest.raises(ValidationError, match="BIC"):
        BankDetails.model_validate({**BANK, "bic": "NOTABIC"})
    with pytest.raises(ValidationError, match="either an iban or an account_number"):
        BankDetails.model_validate({**BANK, "iban": None})
    by_account = BankDetails.model_validate(
        {**BANK, "iban": None, "account_number": "0012 3456 7890"}
    )
    assert by_account.account_number == "0012 3456 7890"


def session(session_id: str, ends: datetime) -> EditionSession:
    return EditionSession(
        session_id=session_id,
        title=LocalizedText(fr=session_id, en=session_id),
        starts_at=ends - timedelta(hours=6),
        ends_at=ends,
    )


def test_attendance_needs_every_ended_session_attended_or_excused() -> None:
    sessions = [
        session("s1", NOW - timedelta(days=20)),
        session("s2", NOW - timedelta(days=10)),
        session("s3", NOW - timedelta(days=1)),
    ]
    check = check_attendance(sessions, {"s1"}, {"s3"}, NOW)
    assert (check.missed, check.excused, check.not_ended) == (["s2"], ["s3"], [])
    assert not check.satisfied
    assert check_attendance(sessions, {"s1", "s2"}, {"s3"}, NOW).satisfied


def test_approval_waits_for_the_last_session_to_end() -> None:
    sessions = [session("s1", NOW - timedelta(days=1)), session("s2", NOW + timedelta(days=1))]
    check = check_attendance(sessions, {"s1"}, set(), NOW)
    assert check.not_ended == ["s2"]
    assert not check.satisfied


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"GIF89a", None),
        (b"<html>%PDF-", None),
        (b"", None),
    ],
)
def test_files_are_recognised_by_their_content(content: bytes, expected: str | None) -> None:
    assert media_type_of(content) == expected
