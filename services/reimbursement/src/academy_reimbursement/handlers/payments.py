"""Payment batches: gathering approved claims, and recording the batch's transfers as made
(→ ReimbursementPaid per claim). Concurrent requests, in one process or in several, get one
batch and one payment per batch (:mod:`academy_reimbursement.domain.payments`)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from academy_kit import outbox
from academy_kit.clock import now
from academy_reimbursement.domain.claims import Claim, ClaimState
from academy_reimbursement.domain.failures import UnknownBatch
from academy_reimbursement.domain.payments import (
    Batch,
    Payment,
    batch_to_gather,
    check_reference,
    paid_batch,
    pay_claim,
    payment_of,
)
from academy_reimbursement.handlers.ports import BatchStore, ClaimStore, Relay

PAYMENT_WAIT_SECONDS = 10.0
"""How long a request with the recorded reference waits for the run that recorded it before
taking its place (that run was interrupted, or its process stopped)."""


@dataclass(frozen=True)
class Payments:
    claims: ClaimStore
    batches: BatchStore
    relay: Relay
    source: str

    async def gather(self, edition_id: str | None, by: str) -> tuple[Batch, list[Claim], bool]:
        """A payment batch of every approved claim in no batch yet (of one edition, if given),
        its claims, and whether this request made it (else it joined the batch another request
        is making). Each claim joins under its lock only if it is still payable, so a claim is
        in one batch at most. The newest batch is read before the payable claims: once it is
        gathered, the claims it took are no longer payable."""
        newest = await self.batches.newest(edition_id)
        payable = await self.claims.payable(edition_id)
        batch, made = batch_to_gather(
            newest, edition_id=edition_id, anything_payable=bool(payable), by=by, at=now()
        )
        if made and not await self.batches.add(batch):
            made = False  # another request made this batch meanwhile: help fill it
            batch = await self.batches.get(batch.batch_id) or batch
        seen: dict[str, Claim] = {}
        for claim_id in payable:
            async with self.claims.changing(claim_id) as claim:
                if claim is not None and claim.payable:
                    claim = claim.into_batch(batch.batch_id, now())
                    await self.claims.save(claim, [])
                if claim is not None and claim.batch_id == batch.batch_id:
                    seen[claim.claim_id] = claim
        if not batch.gathered:
            batch = batch.model_copy(update={"gathered": True})
            await self.batches.save(batch)
        # A claim another replica is writing at this moment may be missing from the query on
        # FerretDB, so the claims this request saw join are added to it.
        members = {c.claim_id: c for c in await self.claims.in_batch(batch.batch_id)}
        members = {**seen, **members}
        return batch, sorted(members.values(), key=lambda c: c.submitted_at), made

    async def batch(self, batch_id: str) -> tuple[Batch, list[Claim]]:
        batch = await self.batches.get(batch_id)
        if batch is None:
            raise UnknownBatch(batch_id)
        return batch, await self.claims.in_batch(batch_id)

    async def page(self, skip: int, limit: int) -> tuple[list[Batch], int]:
        return await self.batches.page(skip, limit)

    async def mark_paid(self, batch_id: str, reference: str, by: str) -> tuple[Batch, list[Claim]]:
        """Record the batch's transfers as made under ``reference``: the first reference is
        kept, the same one again answers that payment, another one is refused. The run that
        records the payment pays each claim still approved, in its own write; the same
        reference again finishes what an interrupted run left."""
        batch, _ = await self.batch(batch_id)
        payment, recorded_now = await self.batches.record_payment(
            payment_of(batch, reference, by, now())
        )
        check_reference(payment, reference)
        if not recorded_now:
            payment = await self._finished(payment)
        if not payment.finished:
            await self._pay(batch_id, payment)
            await self.batches.save(paid_batch(batch, payment))
            await self.batches.finish_payment(payment)
        return await self.batch(batch_id)

    async def _finished(self, payment: Payment) -> Payment:
        """The payment once the run that recorded it has finished, or as it stands after
        :data:`PAYMENT_WAIT_SECONDS`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PAYMENT_WAIT_SECONDS
        while not payment.finished and loop.time() < deadline:
            await asyncio.sleep(0.05)
            payment = await self.batches.payment(payment.batch_id) or payment
        return payment

    async def _pay(self, batch_id: str, payment: Payment) -> None:
        for member in await self.claims.in_batch(batch_id):
            if member.state is not ClaimState.APPROVED:
                continue
            async with self.claims.changing(member.claim_id) as claim:
                if claim is not None and claim.state is ClaimState.APPROVED:
                    paid, event = pay_claim(claim, payment.reference, now())
                    await self.claims.save(paid, [outbox.envelope(event, self.source)])
                    self.relay.kick(self.claims.collection, paid.claim_id)
