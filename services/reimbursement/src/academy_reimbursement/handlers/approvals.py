"""Finance's decision on a claim (→ ReimbursementApproved / ReimbursementRejected). Each reads
and writes the claim under its lock, so two officers deciding at once cannot both succeed."""

from __future__ import annotations

from dataclasses import dataclass

from academy_kit import outbox
from academy_kit.clock import now
from academy_reimbursement.domain.approval import approve_claim, reject_claim
from academy_reimbursement.domain.claims import Claim
from academy_reimbursement.domain.failures import UnknownClaim
from academy_reimbursement.domain.reimbursement import Assessment, assess
from academy_reimbursement.handlers.attendance import Attendance
from academy_reimbursement.handlers.ports import ClaimStore, CohortStore, Relay
from academy_reimbursement.handlers.rates import Rates


@dataclass(frozen=True)
class Approvals:
    claims: ClaimStore
    cohort: CohortStore
    attendance: Attendance
    rates: Rates
    relay: Relay
    source: str

    async def approve(self, claim_id: str, by: str) -> Claim:
        """Approve the claim if :func:`approve_claim` allows it."""
        async with self.claims.changing(claim_id) as claim:
            if claim is None:
                raise UnknownClaim(claim_id)
            approved, event = approve_claim(
                claim,
                claimant=await self.cohort.claimant(claim.application_id, claim.participant_id),
                attendance=await self.attendance.check(claim.edition_id, claim.participant_id),
                rates=await self.rates.in_force(),
                caps=await self.rates.caps(claim.edition_id),
                by=by,
                at=now(),
            )
            await self.claims.save(approved, [outbox.envelope(event, self.source)])
        self.relay.kick(self.claims.collection, claim_id)
        return approved

    async def assessment(self, claim_id: str) -> Assessment:
        """How much the claim reimburses: as counted at its approval, or, before, as it would
        be counted now (rates and caps in force), so finance sees the amount before deciding.
        Raises :class:`~.failures.MissingRate` as approval would."""
        claim = await self.claims.get(claim_id)
        if claim is None:
            raise UnknownClaim(claim_id)
        if claim.assessment is not None:
            return claim.assessment
        return assess(
            [line.to_convert() for line in claim.lines],
            await self.rates.in_force(),
            await self.rates.caps(claim.edition_id),
        )

    async def reject(self, claim_id: str, reason: str, by: str) -> Claim:
        """Refuse a claim that is not decided yet."""
        async with self.claims.changing(claim_id) as claim:
            if claim is None:
                raise UnknownClaim(claim_id)
            rejected, event = reject_claim(claim, reason, by=by, at=now())
            await self.claims.save(rejected, [outbox.envelope(event, self.source)])
        self.relay.kick(self.claims.collection, claim_id)
        return rejected
