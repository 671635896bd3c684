"""A participant's claim: submitting it (→ ExpenseClaimed, and DocumentsMissing when some are
missing), adding documents to its lines until it is complete; reading claims."""

from __future__ import annotations

from dataclasses import dataclass

from academy_kit import outbox
from academy_kit.clock import now
from academy_reimbursement.domain.claims import (
    Claim,
    ClaimExists,
    ClaimForm,
    ClaimState,
    attach_documents,
    claim_id_of,
    submit_claim,
)
from academy_reimbursement.domain.cohort import Claimant
from academy_reimbursement.domain.documents import LineDocument
from academy_reimbursement.domain.failures import ClaimSubmittedAlready, NoClaim, UnknownClaim
from academy_reimbursement.handlers.ports import ClaimStore, DocumentStore, Relay


@dataclass(frozen=True)
class Claims:
    claims: ClaimStore
    documents: DocumentStore
    relay: Relay
    source: str

    async def submit(self, claimant: Claimant, form: ClaimForm) -> tuple[Claim, bool]:
        """Submit the participant's claim for the edition; the claim and whether it is new. The
        same request again answers the claim already submitted; another one is refused."""
        claim, events = submit_claim(
            form,
            await self._uploads(claimant),
            claim_id=claim_id_of(claimant.edition_id, claimant.participant_id),
            application_id=claimant.application_id,
            edition_id=claimant.edition_id,
            participant_id=claimant.participant_id,
            at=now(),
        )
        try:
            await self.claims.add(claim, form, [outbox.envelope(e, self.source) for e in events])
        except ClaimExists as exc:
            if exc.same_request:
                return exc.existing, False
            raise ClaimSubmittedAlready(exc.existing.claim_id) from None
        self.relay.kick(self.claims.collection, claim.claim_id)
        return claim, True

    async def of_claimant(self, claimant: Claimant) -> Claim:
        claim = await self.claims.of_participant(claimant.edition_id, claimant.participant_id)
        if claim is None:
            raise NoClaim
        return claim

    async def attach(self, claimant: Claimant, line_id: str, document_ids: list[str]) -> Claim:
        """Add uploaded documents to a line of the claim."""
        claim_id = claim_id_of(claimant.edition_id, claimant.participant_id)
        async with self.claims.changing(claim_id) as claim:
            if claim is None:
                raise NoClaim
            changed = attach_documents(
                claim, line_id, await self._uploads(claimant), document_ids, now()
            )
            await self.claims.save(changed, [])
        return changed

    async def get(self, claim_id: str) -> Claim:
        claim = await self.claims.get(claim_id)
        if claim is None:
            raise UnknownClaim(claim_id)
        return claim

    async def page(
        self,
        edition_id: str | None,
        state: ClaimState | None,
        batched: bool | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Claim], int]:
        """A page of the claims, oldest first, and how many there are in all."""
        return await self.claims.find(
            edition_id=edition_id, state=state, batched=batched, skip=offset, limit=limit
        )

    async def _uploads(self, claimant: Claimant) -> list[LineDocument]:
        uploaded = await self.documents.of_participant(claimant.edition_id, claimant.participant_id)
        return [d.reference() for d in uploaded]
