"""Payment batches: gathering approved claims, and recording the batch's transfers as made
(→ ReimbursementPaid per claim). Paying runs claim by claim from ``approved`` to ``paid``, so a
batch marked paid again finds nothing left to pay."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from academy_kit import outbox
from academy_kit.clock import now
from academy_reimbursement.domain.claims import Claim, ClaimState
from academy_reimbursement.domain.failures import NothingToPay, UnknownBatch
from academy_reimbursement.domain.payments import Batch, BatchState, pay_claim
from academy_reimbursement.handlers.ports import BatchStore, ClaimStore, Relay


@dataclass(frozen=True)
class Payments:
    claims: ClaimStore
    batches: BatchStore
    relay: Relay
    source: str

    async def gather(self, edition_id: str | None, by: str) -> tuple[Batch, list[Claim]]:
        """A payment batch of every approved claim in no batch yet (of one edition, if given).
        The batch is written first; then each claim joins it under its lock only if it is still
        payable, so a claim is in one batch at most."""
        payable = await self.claims.payable(edition_id)
        if not payable:
            raise NothingToPay
        batch = Batch(
            batch_id=uuid.uuid4().hex,
            edition_id=edition_id,
            state=BatchState.OPEN,
            created_by=by,
            created_at=now(),
        )
        await self.batches.add(batch)
        joined = []
        for claim_id in payable:
            async with self.claims.changing(claim_id) as claim:
                if claim is not None and claim.payable:
                    joining = claim.into_batch(batch.batch_id, now())
                    await self.claims.save(joining, [])
                    joined.append(joining)
        return batch, sorted(joined, key=lambda c: c.submitted_at)

    async def batch(self, batch_id: str) -> tuple[Batch, list[Claim]]:
        batch = await self.batches.get(batch_id)
        if batch is None:
            raise UnknownBatch(batch_id)
        return batch, await self.claims.in_batch(batch_id)

    async def mark_paid(self, batch_id: str, reference: str, by: str) -> tuple[Batch, list[Claim]]:
        """Record the batch's transfers as made: each claim still approved becomes paid in its
        own write. Running it again pays nobody twice; it finishes what an interrupted run
        left."""
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
                paid, event = pay_claim(claim, reference, now())
                await self.claims.save(paid, [outbox.envelope(event, self.source)])
                claims.append(paid)
        batch = await self.batches.paid(batch_id, reference, by, now())
        self.relay.kick()
        return batch, claims
