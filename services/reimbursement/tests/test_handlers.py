"""The use cases on in-memory stores (the fast tier): submitting and completing a claim, the
approval rule's refusals and what mends each, rates and caps, payment batches, who a link
opens, uploads, and what the service learns from events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from academy_contracts import links
from academy_contracts.events import (
    DocumentsMissing,
    ExpenseClaimed,
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
)
from academy_contracts.values import Currency, DocumentKind, ExpenseCategory
from academy_reimbursement.domain.claims import ClaimState
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.domain.failures import (
    AttendanceIncomplete,
    ClaimSubmittedAlready,
    DocumentNotInClaim,
    DocumentTooLarge,
    EditionUnknown,
    MissingRate,
    NoClaim,
    NoRateTable,
    NothingToPay,
    NotSelected,
    PaidWithOtherReference,
    RateTableChanged,
    SelectionRevoked,
    UnknownClaim,
    UnknownDocuments,
    UnknownLine,
    UnknownSession,
    UnsupportedDocument,
    WrongClaimState,
)
from academy_reimbursement.domain.payments import (
    batch_id_of,
    batch_to_gather,
    check_reference,
    paid_batch,
    payment_of,
)
from academy_reimbursement.domain.rates import RateEntry

from .support.cohort import DISGUISED_PDF, JPEG, MAX_DOCUMENT_BYTES, PDF, PNG, Cohort
from .support.forms import BANK, claim_form, line
from .support.service import InMemory, in_memory


def new_cohort() -> Cohort:
    return Cohort(f"ed-{uuid.uuid4().hex[:8]}")


async def enrolled(
    attended: tuple[str, ...] = ("s1", "s2"),
) -> tuple[InMemory, Cohort, Claimant]:
    memory = in_memory()
    cohort = await memory.enrol(new_cohort(), attended)
    pid = cohort.participant_ids[0]
    claimant = await memory.claimants.open(cohort.application_id, pid, cohort.grant(pid))
    return memory, cohort, claimant


async def uploaded(memory: InMemory, claimant: Claimant, kind: str, content: bytes) -> str:
    document, _ = await memory.documents.upload(claimant, DocumentKind(kind), "f.pdf", content)
    return document.document_id


async def complete_claim(memory: InMemory, cohort: Cohort, claimant: Claimant) -> str:
    receipt = await uploaded(memory, claimant, "receipt", PDF)
    form = claim_form(line(cohort, "meals", "40.00", "EUR", [receipt]))
    claim, _ = await memory.claims.submit(claimant, form)
    return claim.claim_id


async def test_a_claim_lists_what_is_missing_and_completes_as_documents_arrive() -> None:
    memory, cohort, claimant = await enrolled()
    ticket = await uploaded(memory, claimant, "ticket", PDF)
    form = claim_form(
        line(cohort, "travel", "300.00", "EUR", [ticket]),
        line(cohort, "meals", "45.50", "EUR", []),
        bank={**BANK, "iban": None, "account_number": "0012 3456 7890 1234"},
    )
    claim, created = await memory.claims.submit(claimant, form)
    assert (created, claim.state) == (True, ClaimState.DOCUMENTS_MISSING)
    claimed, missing = memory.claim_store.events()
    assert isinstance(claimed, ExpenseClaimed)
    assert [d.document_id for d in claimed.documents] == [ticket]
    assert isinstance(missing, DocumentsMissing)
    assert missing.missing == ["L1 (travel): boarding_pass", "L2 (meals): receipt"]
    assert memory.relay.kicked == [("claims", claim.claim_id)]

    boarding = await uploaded(memory, claimant, "boarding_pass", PDF + b"pass")
    receipt = await uploaded(memory, claimant, "receipt", JPEG)
    with pytest.raises(UnknownLine) as unknown_line:
        await memory.claims.attach(claimant, "L9", [receipt])
    assert unknown_line.value.known == ["L1", "L2"]
    with pytest.raises(UnknownDocuments) as unknown_document:
        await memory.claims.attach(claimant, "L2", ["doc-of-someone-else"])
    assert (unknown_document.value.unknown, unknown_document.value.field) == (
        ["doc-of-someone-else"],
        "document_ids",
    )
    first = await memory.claims.attach(claimant, "L1", [boarding, boarding])
    assert first.state is ClaimState.DOCUMENTS_MISSING
    assert [d.document_id for d in first.lines[0].documents] == [ticket, boarding]
    last = await memory.claims.attach(claimant, "L2", [receipt])
    assert (last.state, last.missing) == (ClaimState.COMPLETE, [])
    assert await memory.claims.of_claimant(claimant) == last


async def test_a_claim_names_only_the_participants_own_uploads() -> None:
    memory, cohort, claimant = await enrolled()
    other = await memory.claimants.open(
        cohort.application_id, cohort.participant_ids[1], cohort.grant(cohort.participant_ids[1])
    )
    theirs = await uploaded(memory, other, "receipt", PDF)
    with pytest.raises(UnknownDocuments) as refused:
        await memory.claims.submit(
            claimant, claim_form(line(cohort, "meals", "9", "EUR", [theirs]))
        )
    assert (refused.value.unknown, refused.value.field) == ([theirs], "lines.documents")
    assert memory.claim_store.claims == {}
    with pytest.raises(NoClaim):
        await memory.claims.of_claimant(claimant)
    with pytest.raises(NoClaim):
        await memory.claims.attach(claimant, "L1", [theirs])


async def test_the_same_claim_again_is_answered_and_another_one_refused() -> None:
    memory, cohort, claimant = await enrolled()
    visa = await uploaded(memory, claimant, "visa_receipt", PDF)
    form = claim_form(line(cohort, "visa", "60.00", "EUR", [visa]))
    first, created = await memory.claims.submit(claimant, form)
    again, created_again = await memory.claims.submit(claimant, form)
    assert (created, created_again, again.claim_id) == (True, False, first.claim_id)
    with pytest.raises(ClaimSubmittedAlready) as refused:
        await memory.claims.submit(claimant, claim_form(line(cohort, "visa", "65", "EUR", [visa])))
    assert refused.value.claim_id == first.claim_id
    assert [type(e) for e in memory.claim_store.events()] == [ExpenseClaimed]


async def test_approval_waits_for_documents_and_then_names_each_rate_it_lacks() -> None:
    memory, cohort, claimant = await enrolled()
    ticket = await uploaded(memory, claimant, "ticket", PDF)
    form = claim_form(line(cohort, "travel", "1700.00", "TND", [ticket]))
    claim, _ = await memory.claims.submit(claimant, form)
    with pytest.raises(WrongClaimState) as incomplete:
        await memory.approvals.approve(claim.claim_id, "finance@test")
    assert (incomplete.value.state, incomplete.value.allowed) == ("documents_missing", ["complete"])

    boarding = await uploaded(memory, claimant, "boarding_pass", JPEG)
    await memory.claims.attach(claimant, "L1", [boarding])
    with pytest.raises(MissingRate) as no_rate:
        await memory.approvals.approve(claim.claim_id, "finance@test")
    assert no_rate.value.currency is Currency.TND
    with pytest.raises(MissingRate):  # the amount is not guessed before approval either
        await memory.approvals.assessment(claim.claim_id)

    later = RateEntry(currency=Currency.TND, valid_from=cohort.now.date(), units_per_eur=Decimal(3))
    await memory.rates.publish([later], "finance@test")
    with pytest.raises(MissingRate):  # in force only after the expense date: nothing guessed
        await memory.approvals.approve(claim.claim_id, "finance@test")
    earlier = later.model_copy(update={"valid_from": cohort.now.date() - timedelta(days=365)})
    await memory.rates.publish([earlier.model_copy(update={"units_per_eur": Decimal("3.40")})], "f")
    await memory.rates.set_caps(cohort.edition_id, {ExpenseCategory.TRAVEL: Decimal("450.00")})

    before = await memory.approvals.assessment(claim.claim_id)  # what approval will count
    approved = await memory.approvals.approve(claim.claim_id, "finance@test")
    assert approved.assessment is not None
    assert approved.assessment == before == await memory.approvals.assessment(claim.claim_id)
    # 1700 TND / 3.40 = 500.00 EUR, capped at 450; 90% of 450 = 405.
    assert (approved.assessment.eligible_eur, approved.assessment.reimbursed_eur) == (
        Decimal("450.00"),
        Decimal("405.00"),
    )
    assert approved.assessment.rate_table_version == 2
    event = memory.claim_store.events()[-1]
    assert isinstance(event, ReimbursementApproved)
    assert (event.eligible.amount, event.approved.amount) == (Decimal("450.00"), Decimal("405.00"))
    assert event.approved_at == approved.decided_at
    with pytest.raises(WrongClaimState) as decided:
        await memory.approvals.reject(claim.claim_id, "late", "finance@test")
    assert decided.value.state == "approved"


async def test_a_missed_session_blocks_approval_until_finance_excuses_it() -> None:
    memory, cohort, claimant = await enrolled(attended=("s1",))
    claim_id = await complete_claim(memory, cohort, claimant)
    with pytest.raises(AttendanceIncomplete) as missed:
        await memory.approvals.approve(claim_id, "finance@test")
    assert (missed.value.missed, missed.value.not_ended) == (["s2"], [])
    with pytest.raises(UnknownSession) as unknown:
        await memory.attendance.excuse(cohort.edition_id, claimant.participant_id, "s9", "x", "f")
    assert unknown.value.known == ["s1", "s2"]

    await memory.attendance.excuse(
        cohort.edition_id, claimant.participant_id, "s2", "Hospitalised", "finance@test"
    )
    check = await memory.attendance.check(cohort.edition_id, claimant.participant_id)
    assert (check.missed, check.excused, check.not_ended) == ([], ["s2"], [])
    approved = await memory.approvals.approve(claim_id, "finance@test")
    assert approved.assessment is not None
    assert approved.assessment.reimbursed_eur == Decimal("36.00")


async def test_approval_waits_until_every_session_has_ended() -> None:
    memory = in_memory()
    cohort = new_cohort()
    edition = cohort.edition()
    last = edition.sessions[-1]
    running = last.model_copy(update={"ends_at": cohort.now + timedelta(days=2)})
    await memory.deliver(
        edition.model_copy(update={"sessions": [edition.sessions[0], running]}),
        cohort.selected(),
        *[cohort.attended(p, s) for p in cohort.participant_ids for s in ("s1", "s2")],
    )
    claimant = await memory.claimants.open(
        cohort.application_id, cohort.participant_ids[0], cohort.grant(cohort.participant_ids[0])
    )
    claim_id = await complete_claim(memory, cohort, claimant)
    with pytest.raises(AttendanceIncomplete) as early:
        await memory.approvals.approve(claim_id, "finance@test")
    assert (early.value.not_ended, early.value.missed) == (["s2"], [])
    assert memory.claim_store.claims[claim_id].state is ClaimState.COMPLETE


async def test_a_revoked_selection_stops_approval_and_the_participants_link() -> None:
    memory, cohort, claimant = await enrolled()
    claim_id = await complete_claim(memory, cohort, claimant)
    await memory.deliver(cohort.rejected(), cohort.selected())  # then a late redelivery
    with pytest.raises(SelectionRevoked):
        await memory.approvals.approve(claim_id, "finance@test")
    with pytest.raises(NotSelected):
        await memory.claimants.open(
            cohort.application_id, claimant.participant_id, cohort.grant(claimant.participant_id)
        )
    rejected = await memory.approvals.reject(claim_id, "selection revoked", "finance@test")
    assert rejected.state is ClaimState.REJECTED
    assert isinstance(memory.claim_store.events()[-1], ReimbursementRejected)


async def test_attendance_of_an_edition_never_published_is_not_guessed() -> None:
    memory = in_memory()
    with pytest.raises(EditionUnknown):
        await memory.attendance.check("ed-unknown", "p1")
    with pytest.raises(UnknownClaim):
        await memory.approvals.approve("claim-unknown", "finance@test")
    with pytest.raises(UnknownClaim):
        await memory.approvals.reject("claim-unknown", "no", "finance@test")


async def test_a_link_opens_only_its_own_persons_claim() -> None:
    memory = in_memory()
    cohort, other = await memory.enrol(new_cohort()), await memory.enrol(new_cohort())
    manager, teammate = cohort.participant_ids[0], cohort.participant_ids[1]
    for participant_id, grant, refusal in (
        (manager, other.grant(other.participant_ids[0]), links.Refusal.OTHER_APPLICATION),
        (manager, cohort.grant(teammate), links.Refusal.OTHER_PERSON),
        (teammate, cohort.grant(manager), links.Refusal.OTHER_PERSON),  # not even the manager's
    ):
        with pytest.raises(links.LinkRefused) as refused:
            await memory.claimants.open(cohort.application_id, participant_id, grant)
        assert refused.value.refusal is refusal
    opened = await memory.claimants.open(cohort.application_id, teammate, cohort.grant(teammate))
    assert (opened.edition_id, opened.full_name) == (cohort.edition_id, "Person 1")


async def test_uploads_are_checked_kept_once_and_served_only_through_their_claim() -> None:
    memory, cohort, claimant = await enrolled()
    with pytest.raises(UnsupportedDocument) as disguised:
        await memory.documents.upload(claimant, DocumentKind.INVOICE, "x.pdf", b"GIF89a no")
    assert disguised.value.allowed == ["application/pdf", "image/jpeg", "image/png"]
    with pytest.raises(DocumentTooLarge) as too_big:
        await memory.documents.upload(
            claimant, DocumentKind.INVOICE, "x.pdf", PDF + b"0" * MAX_DOCUMENT_BYTES
        )
    assert too_big.value.max_bytes == MAX_DOCUMENT_BYTES
    for disguised_as, content in (
        ("a PDF", DISGUISED_PDF),
        ("a PDF", DISGUISED_PDF + b"trailer\n%%EOF\n"),
        ("a PNG", PNG[:24] + b"<script>alert(1)</script>"),
        ("a JPEG", JPEG[:3] + b"<html><script>alert(1)</script></html>"),
    ):
        with pytest.raises(UnsupportedDocument, match="not a readable") as unreadable:
            await memory.documents.upload(claimant, DocumentKind.INVOICE, "x.pdf", content)
        assert disguised_as in unreadable.value.reason
    assert await memory.documents.uploads(claimant) == []

    first, created = await memory.documents.upload(claimant, DocumentKind.INVOICE, "a.png", PNG)
    again, created_again = await memory.documents.upload(
        claimant, DocumentKind.INVOICE, "b.png", PNG
    )
    assert (created, created_again, again) == (True, False, first)
    assert first.media_type == "image/png"
    form = claim_form(line(cohort, "accommodation", "90", "EUR", [first.document_id]))
    claim, _ = await memory.claims.submit(claimant, form)
    held, content = await memory.documents.of_claim(claim.claim_id, first.document_id)
    assert (held.document_id, content) == (first.document_id, PNG)
    loose = await uploaded(memory, claimant, "receipt", PDF)
    with pytest.raises(DocumentNotInClaim) as refused:
        await memory.documents.of_claim(claim.claim_id, loose)
    assert refused.value.held == [first.document_id]


async def test_rate_tables_are_whole_versions_and_one_number_is_taken_once() -> None:
    memory = in_memory()
    with pytest.raises(NoRateTable):
        await memory.rates.latest()
    mad = RateEntry.model_validate(
        {"currency": "MAD", "valid_from": "2024-01-01", "units_per_eur": "10.8"}
    )
    first = await memory.rates.publish([mad], "a@test")
    assert (first.version, first.published_by) == (1, "a@test")
    eleven = mad.model_copy(update={"units_per_eur": Decimal(11)})
    newer = await memory.rates.publish([eleven], "c@test")
    assert (newer.version, (await memory.rates.latest()).rates) == (2, [eleven])
    with pytest.raises(RateTableChanged) as taken:  # another officer published it meanwhile
        await memory.rate_store.publish_rates(newer)
    assert taken.value.version == 2
    caps = await memory.rates.set_caps("ed-1", {ExpenseCategory.MEALS: Decimal("50.00")})
    assert (caps[ExpenseCategory.MEALS], caps[ExpenseCategory.TRAVEL]) == (
        Decimal("50.00"),
        Decimal("800.00"),
    )


async def test_a_batch_gathers_approved_claims_once_and_pays_each_once() -> None:
    memory, cohort, claimant = await enrolled()
    with pytest.raises(NothingToPay):
        await memory.payments.gather(None, "finance@test")
    claim_id = await complete_claim(memory, cohort, claimant)
    await memory.approvals.approve(claim_id, "finance@test")
    batch, members, made = await memory.payments.gather(cohort.edition_id, "finance@test")
    assert ([c.claim_id for c in members], made, batch.gathered) == ([claim_id], True, True)
    assert await memory.payments.page(0, 10) == ([batch], 1)
    with pytest.raises(NothingToPay):
        await memory.payments.gather(cohort.edition_id, "finance@test")
    for _ in range(2):
        paid, claims = await memory.payments.mark_paid(batch.batch_id, "TRF-1", "finance@test")
        assert (paid.payment_reference, claims[0].state) == ("TRF-1", ClaimState.PAID)
    with pytest.raises(PaidWithOtherReference) as other:
        await memory.payments.mark_paid(batch.batch_id, "TRF-2", "finance@test")
    assert other.value.reference == "TRF-1"
    payments = [e for e in memory.claim_store.events() if isinstance(e, ReimbursementPaid)]
    assert [(p.claim_id, p.amount.amount) for p in payments] == [(claim_id, Decimal("36.00"))]


async def test_redelivered_and_older_events_change_nothing() -> None:
    memory = in_memory()
    cohort = await memory.enrol(new_cohort(), attended=("s1",))
    edition = cohort.edition()
    pid = cohort.participant_ids[0]
    await memory.deliver(
        cohort.selected(),
        cohort.attended(pid, "s1"),
        edition.model_copy(update={"sessions": edition.sessions[:1]}),  # revision 1 again
    )
    sessions = await memory.cohort_store.sessions(cohort.edition_id) or []
    assert [s.session_id for s in sessions] == ["s1", "s2"]
    assert await memory.cohort_store.attended(cohort.edition_id, pid) == {"s1"}
    revised = edition.model_copy(update={"revision": 2, "sessions": edition.sessions[:1]})
    await memory.deliver(revised)
    sessions = await memory.cohort_store.sessions(cohort.edition_id) or []
    assert [s.session_id for s in sessions] == ["s1"]


async def test_an_undone_check_in_blocks_approval_until_the_person_is_checked_in_again() -> None:
    memory, cohort, claimant = await enrolled()
    pid = claimant.participant_id
    claim_id = await complete_claim(memory, cohort, claimant)
    store = memory.cohort_store
    await memory.deliver(cohort.undone(pid, "s2"))
    assert not await store.record_attendance(cohort.undone(pid, "s2"))  # redelivered
    assert not await store.record_attendance(cohort.attended(pid, "s2"))  # older, out of order
    assert await store.attended(cohort.edition_id, pid) == {"s1"}
    with pytest.raises(AttendanceIncomplete) as undone:
        await memory.approvals.approve(claim_id, "finance@test")
    assert (undone.value.missed, undone.value.not_ended) == (["s2"], [])

    await memory.deliver(cohort.attended_again(pid, "s2"), cohort.undone(pid, "s2"))
    assert await store.attended(cohort.edition_id, pid) == {"s1", "s2"}
    approved = await memory.approvals.approve(claim_id, "finance@test")
    assert approved.state is ClaimState.APPROVED


async def test_an_undoing_that_arrives_before_its_check_in_still_wins() -> None:
    memory, cohort, _ = await enrolled(attended=("s1",))
    pid = cohort.participant_ids[1]
    assert await memory.cohort_store.record_attendance(cohort.undone(pid, "s2"))
    assert not await memory.cohort_store.record_attendance(cohort.attended(pid, "s2"))
    assert await memory.cohort_store.attended(cohort.edition_id, pid) == {"s1"}


async def test_a_request_that_finds_a_batch_being_gathered_joins_it() -> None:
    memory, cohort, claimant = await enrolled()
    claim_id = await complete_claim(memory, cohort, claimant)
    await memory.approvals.approve(claim_id, "finance@test")
    # Another request made batch 1 and has not gathered the claims yet.
    being_made, made = batch_to_gather(
        None, edition_id=cohort.edition_id, anything_payable=True, by="other@test", at=cohort.now
    )
    assert made
    assert await memory.batch_store.add(being_made)
    batch, members, made_here = await memory.payments.gather(cohort.edition_id, "finance@test")
    assert (batch.batch_id, made_here, batch.gathered) == (being_made.batch_id, False, True)
    assert [c.claim_id for c in members] == [claim_id]
    # The same number again collides: the request joins the batch instead of making another.
    assert not await memory.batch_store.add(being_made)
    with pytest.raises(NothingToPay):
        await memory.payments.gather(cohort.edition_id, "finance@test")


def test_the_next_batch_of_a_scope_follows_the_newest_once_it_is_gathered() -> None:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    first, made = batch_to_gather(None, edition_id="e1", anything_payable=True, by="a", at=at)
    assert (first.number, made, first.gathered) == (1, True, False)
    same, made = batch_to_gather(first, edition_id="e1", anything_payable=False, by="b", at=at)
    assert (same, made) == (first, False)
    gathered = first.model_copy(update={"gathered": True})
    with pytest.raises(NothingToPay):
        batch_to_gather(gathered, edition_id="e1", anything_payable=False, by="b", at=at)
    second, made = batch_to_gather(gathered, edition_id="e1", anything_payable=True, by="b", at=at)
    assert (second.number, made) == (2, True)
    assert len({first.batch_id, second.batch_id, batch_id_of(None, 1), batch_id_of("e2", 1)}) == 4


def test_a_batch_is_paid_under_its_first_reference_only() -> None:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    batch, _ = batch_to_gather(None, edition_id=None, anything_payable=True, by="a", at=at)
    payment = payment_of(batch, "TRF-1", "a", at)
    check_reference(payment, "TRF-1")
    with pytest.raises(PaidWithOtherReference) as refused:
        check_reference(payment, "TRF-2")
    assert (refused.value.batch_id, refused.value.reference) == (batch.batch_id, "TRF-1")
    paid_before = paid_batch(batch, payment)  # paid before payments were recorded apart
    assert payment_of(paid_before, "TRF-9", "b", at).reference == "TRF-1"
