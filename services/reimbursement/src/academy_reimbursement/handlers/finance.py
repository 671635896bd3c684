"""Finance's commands: the rate table, the caps, excused absences, the decision on each claim
(→ ReimbursementApproved / ReimbursementRejected) and payment batches (→ ReimbursementPaid).

Each decision reads and writes the claim under its lock, so two officers deciding at once
cannot both succeed, and paying runs claim by claim from ``approved`` to ``paid``: a batch
marked paid again finds nothing left to pay.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from academy_contracts.events import (
    ReimbursementApproved,
    ReimbursementPaid,
    ReimbursementRejected,
)
from academy_contracts.values import Currency, ExpenseCategory, Money
from academy_kit import outbox
from academy_kit.auth import StaffMember
from academy_kit.clock import now
from academy_kit.outbox import OutboxRelay
from academy_kit.problems import Problem
from academy_reimbursement.adapters.claims import ClaimStore
from academy_reimbursement.adapters.cohort import CohortStore, Excuse
from academy_reimbursement.adapters.documents import DocumentStore
from academy_reimbursement.adapters.finance import (
    Batch,
    BatchState,
    FinanceStore,
    RateEntry,
    RateTableVersion,
    VersionTaken,
)
from academy_reimbursement.domain.attendance import AttendanceCheck, check_attendance
from academy_reimbursement.domain.claims import Claim, ClaimState, LineDocument, WrongState
from academy_reimbursement.domain.money import MissingRate, RateTable
from academy_reimbursement.domain.reimbursement import assess, caps_in_force
from academy_reimbursement.handlers.participants import wrong_state

NO_RATES = RateTable(version=0, rates=())
"""Before finance posts a table, only euro lines convert (version 0 in the assessment)."""


@dataclass(frozen=True)
class Finance:
    claims: ClaimStore
    cohort: CohortStore
    store: FinanceStore
    documents: DocumentStore
    relay: OutboxRelay
    source: str
    default_caps: dict[ExpenseCategory, Decimal]

    async def claim(self, claim_id: str) -> Claim:
        claim = await self.claims.get(claim_id)
        if claim is None:
            raise _unknown_claim(claim_id)
        return claim

    async def list_claims(
        self, edition_id: str | None, state: ClaimState | None, offset: int, limit: int
    ) -> tuple[list[Claim], int]:
        """A page of the claims, oldest first, and how many there are in all."""
        return await self.claims.find(edition_id=edition_id, state=state, skip=offset, limit=limit)

    async def claim_document(self, claim_id: str, document_id: str) -> tuple[LineDocument, bytes]:
        """A supporting document of the claim, and its bytes as uploaded."""
        claim = await self.claim(claim_id)
        held = {d.document_id: d for line in claim.lines for d in line.documents}
        content = await self.documents.content(document_id) if document_id in held else None
        if content is None:
            raise Problem(
                404,
                "unknown-document",
                "Unknown document",
                f"The claim has no document {document_id!r}.",
                field="document_id",
                allowed=sorted(held),
            )
        return held[document_id], content

    # Rates and caps

    async def publish_rates(self, rates: list[RateEntry], by: StaffMember) -> RateTableVersion:
        """Publish the next version of the rate table; it is in force from now on."""
        latest = await self.store.latest_rates()
        table = RateTableVersion(
            version=1 if latest is None else latest.version + 1,
            rates=rates,
            published_by=by.subject,
            published_at=now(),
        )
        try:
            await self.store.publish_rates(table)
        except VersionTaken:
            raise Problem(
                409,
                "rate-table-changed",
                "Rate table changed meanwhile",
                f"Version {table.version} was published meanwhile; read it and post again.",
            ) from None
        return table

    async def rates(self) -> RateTableVersion:
        latest = await self.store.latest_rates()
        if latest is None:
            raise Problem(404, "no-rate-table", "No rate table", "Finance has posted no rates.")
        return latest

    async def caps(self, edition_id: str) -> dict[ExpenseCategory, Decimal]:
        return caps_in_force(self.default_caps, await self.store.caps(edition_id))

    async def set_caps(
        self, edition_id: str, caps: dict[ExpenseCategory, Decimal]
    ) -> dict[ExpenseCategory, Decimal]:
        """Set the edition's own caps for the categories given; the others keep the defaults."""
        await self.store.set_caps(edition_id, caps)
        return caps_in_force(self.default_caps, caps)

    # Attendance

    async def attendance(self, edition_id: str, participant_id: str) -> AttendanceCheck:
        sessions = await self.cohort.sessions(edition_id)
        if sessions is None:
            raise Problem(
                409,
                "edition-unknown",
                "Edition not known yet",
                f"Edition {edition_id!r} has not been published to the reimbursement service, "
                "so its sessions are not known.",
            )
        excused = {e.session_id for e in await self.cohort.excuses(edition_id, participant_id)}
        attended = await self.cohort.attended(edition_id, participant_id)
        return check_attendance(sessions, attended, excused, now())

    async def excuse(
        self, edition_id: str, participant_id: str, session_id: str, reason: str, by: StaffMember
    ) -> Excuse:
        """Record an excused absence of a session of the edition."""
        sessions = await self.cohort.sessions(edition_id) or []
        known = [s.session_id for s in sessions]
        if session_id not in known:
            raise Problem(
                404,
                "unknown-session",
                "Unknown session",
                f"Edition {edition_id!r} has no session {session_id!r}.",
                field="session_id",
                allowed=known,
            )
        excuse = Excuse(
            session_id=session_id, reason=reason, excused_by=by.subject, excused_at=now()
        )
        await self.cohort.excuse(edition_id, participant_id, excuse)
        return excuse

    # Decisions

    async def approve(self, claim_id: str, by: StaffMember) -> Claim:
        """Approve a complete claim of a participant who attended every session (or was
        excused): 90% of its capped euro total is reimbursed (→ ReimbursementApproved)."""
        async with self.claims.changing(claim_id) as claim:
            if claim is None:
                raise _unknown_claim(claim_id)
            try:
                claim.require(ClaimState.COMPLETE)
            except WrongState as exc:
                raise wrong_state(exc) from None
            claimant = await self.cohort.claimant(claim.application_id, claim.participant_id)
            if claimant is None or not claimant.selected:
                raise Problem(
                    409,
                    "selection-revoked",
                    "Selection revoked",
                    "The cluster's selection was revoked after the claim was submitted; only "
                    "participants of a selected cluster are reimbursed. Reject the claim.",
                )
            attendance = await self.attendance(claim.edition_id, claim.participant_id)
            if not attendance.satisfied:
                raise Problem(
                    422,
                    "attendance-incomplete",
                    "Attendance incomplete",
                    "Attendance of every session is compulsory: the claim is approved once every "
                    "session has ended and each was attended or its absence excused.",
                    not_ended=attendance.not_ended,
                    missed=attendance.missed,
                )
            latest = await self.store.latest_rates()
            try:
                assessment = assess(
                    [line.to_convert() for line in claim.lines],
                    NO_RATES if latest is None else latest.table(),
                    await self.caps(claim.edition_id),
                )
            except MissingRate as exc:
                raise Problem(
                    422,
                    "missing-rate",
                    "Exchange rate missing",
                    f"The rate table has no {exc.currency} rate in force on "
                    f"{exc.on.isoformat()}; finance posts one, then approves again.",
                    currency=exc.currency.value,
                    expense_date=exc.on.isoformat(),
                ) from None
            approved = claim.approve(assessment, by.subject, now())
            event = ReimbursementApproved(
                application_id=claim.application_id,
                edition_id=claim.edition_id,
                claim_id=claim.claim_id,
                participant_id=claim.participant_id,
                eligible=_eur(assessment.eligible_eur),
                approved=_eur(assessment.reimbursed_eur),
                approved_at=approved.updated_at,
            )
            await self.claims.save(approved, [outbox.envelope(event, self.source)])
        self.relay.kick()
        return approved

    async def reject(self, claim_id: str, reason: str, by: StaffMember) -> Claim:
        """Refuse a claim that is not decided yet (→ ReimbursementRejected)."""
        async with self.claims.changing(claim_id) as claim:
            if claim is None:
                raise _unknown_claim(claim_id)
            try:
                rejected = claim.reject(reason, by.subject, now())
            except WrongState as exc:
                raise wrong_state(exc) from None
            event = ReimbursementRejected(
                application_id=claim.application_id,
                edition_id=claim.edition_id,
                claim_id=claim.claim_id,
                participant_id=claim.participant_id,
                reason=reason,
                rejected_at=rejected.updated_at,
            )
            await self.claims.save(rejected, [outbox.envelope(event, self.source)])
        self.relay.kick()
        return rejected

    # Payments

    async def create_batch(
        self, edition_id: str | None, by: StaffMember
    ) -> tuple[Batch, list[Claim]]:
        """A payment batch of every approved claim in no batch yet (of one edition, if given).
        The batch is written first; then each claim joins it under its lock only if it is still
        payable, so a claim is in one batch at most."""
        payable = await self.claims.payable(edition_id)
        if not payable:
            raise Problem(
                409,
                "nothing-to-pay",
                "Nothing to pay",
                "No approved claim is waiting for payment.",
            )
        batch = Batch(
            batch_id=uuid.uuid4().hex,
            edition_id=edition_id,
            state=BatchState.OPEN,
            created_by=by.subject,
            created_at=now(),
        )
        await self.store.add_batch(batch)
        joined = []
        for claim_id in payable:
            async with self.claims.changing(claim_id) as claim:
                if claim is not None and claim.payable:
                    joining = claim.into_batch(batch.batch_id, now())
                    await self.claims.save(joining, [])
                    joined.append(joining)
        return batch, sorted(joined, key=lambda c: c.submitted_at)

    async def batch(self, batch_id: str) -> tuple[Batch, list[Claim]]:
        batch = await self.store.batch(batch_id)
        if batch is None:
            raise Problem(
                404, "unknown-batch", "Unknown payment batch", f"There is no batch {batch_id!r}."
            )
        return batch, await self.claims.in_batch(batch_id)

    async def mark_paid(
        self, batch_id: str, reference: str, by: StaffMember
    ) -> tuple[Batch, list[Claim]]:
        """Record the batch's transfers as made: each claim still approved becomes paid
        (→ ReimbursementPaid) in its own write. Running it again pays nobody twice; it finishes
        what an interrupted run left."""
        _, members = await self.batch(batch_id)
        claims = []
        for member in members:
            if member.state is not ClaimState.APPROVED:
                claims.append(member)
                continue
            async with self.claims.changing(member.claim_id) as claim:
                if claim is None or claim.state is not ClaimState.APPROVED:
                    claims.append(claim or member)
                    continue
                paid = claim.pay(reference, now())
                assert claim.assessment is not None  # approved claims are assessed
                event = ReimbursementPaid(
                    application_id=claim.application_id,
                    edition_id=claim.edition_id,
                    claim_id=claim.claim_id,
                    participant_id=claim.participant_id,
                    amount=_eur(claim.assessment.reimbursed_eur),
                    payment_reference=reference,
                    paid_at=paid.updated_at,
                )
                await self.claims.save(paid, [outbox.envelope(event, self.source)])
                claims.append(paid)
        batch = await self.store.batch_paid(batch_id, reference, by.subject, now())
        self.relay.kick()
        return batch, claims


def _eur(amount: Decimal) -> Money:
    return Money(amount=amount, currency=Currency.EUR)


def _unknown_claim(claim_id: str) -> Problem:
    return Problem(404, "unknown-claim", "Unknown claim", f"There is no claim {claim_id!r}.")
