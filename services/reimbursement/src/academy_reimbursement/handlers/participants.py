"""Participants' commands, reached with their cluster's link token: upload supporting
documents, submit the claim (→ ExpenseClaimed, and DocumentsMissing when some are missing), add
documents to a line until the claim is complete."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import SecretStr

from academy_contracts import links
from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    DocumentsMissing,
    ExpenseClaimed,
    ExpenseLine,
    SupportingDocument,
)
from academy_kit import outbox
from academy_kit.clock import now
from academy_kit.outbox import OutboxRelay
from academy_kit.problems import Problem
from academy_reimbursement.adapters.claims import ClaimExists, ClaimStore, claim_id_of
from academy_reimbursement.adapters.cohort import Claimant, CohortStore
from academy_reimbursement.adapters.documents import DocumentStore, StoredDocument, Upload
from academy_reimbursement.domain.claims import (
    Claim,
    ClaimForm,
    LineDocument,
    WrongState,
    describe_missing,
)
from academy_reimbursement.domain.documents import MEDIA_TYPES, DocumentKind, media_type_of


def wrong_state(exc: WrongState) -> Problem:
    allowed = [s.value for s in exc.allowed]
    return Problem(
        409,
        "wrong-claim-state",
        "Not possible in the claim's state",
        f"The claim is {exc.state.value}; this needs it to be {' or '.join(allowed)}.",
        state=exc.state.value,
        allowed=allowed,
    )


@dataclass(frozen=True)
class Participants:
    claims: ClaimStore
    cohort: CohortStore
    documents: DocumentStore
    relay: OutboxRelay
    source: str
    link_secret: SecretStr
    max_document_bytes: int

    async def claimant(
        self, application_id: str, participant_id: str, token: str | None
    ) -> Claimant:
        """The participant, if the token opens their application and the cluster is selected.
        A wrong token and an unknown participant are not told apart."""
        if not links.matches(self.link_secret, application_id, token):
            raise _not_found()
        claimant = await self.cohort.claimant(application_id, participant_id)
        if claimant is None:
            raise _not_found()
        if not claimant.selected:
            raise Problem(
                403,
                "not-selected",
                "Not a selected participant",
                "Only participants of a selected cluster may claim their costs.",
            )
        return claimant

    async def upload(
        self, claimant: Claimant, kind: DocumentKind, filename: str, content: bytes
    ) -> tuple[StoredDocument, bool]:
        """Keep a supporting document; the same file uploaded again is the same document."""
        if len(content) > self.max_document_bytes:
            raise Problem(
                413,
                "document-too-large",
                "Document too large",
                f"A supporting document may have at most {self.max_document_bytes} bytes.",
                field="file",
                max_bytes=self.max_document_bytes,
            )
        media_type = media_type_of(content)
        if media_type is None:
            raise Problem(
                415,
                "unsupported-document-type",
                "Unsupported document type",
                "A supporting document must be a PDF, JPEG or PNG file (checked by content).",
                field="file",
                allowed=sorted(MEDIA_TYPES.values()),
            )
        upload = Upload(
            edition_id=claimant.edition_id,
            participant_id=claimant.participant_id,
            kind=kind,
            filename=filename,
            media_type=media_type,
            content=content,
        )
        return await self.documents.add(upload, now())

    async def uploads(self, claimant: Claimant) -> list[StoredDocument]:
        return await self.documents.of_participant(claimant.edition_id, claimant.participant_id)

    async def submit(self, claimant: Claimant, form: ClaimForm) -> tuple[Claim, bool]:
        """Submit the participant's claim for the edition; the claim and whether it is new. The
        same request again answers the claim already submitted; another one is refused."""
        documents = await self._resolve(
            claimant, {d for line in form.lines for d in line.documents}, field="lines.documents"
        )
        claim = Claim.submit(
            form,
            documents,
            claim_id=claim_id_of(claimant.edition_id, claimant.participant_id),
            application_id=claimant.application_id,
            edition_id=claimant.edition_id,
            participant_id=claimant.participant_id,
            at=now(),
        )
        try:
            await self.claims.add(claim, form, self._submitted(claim))
        except ClaimExists as exc:
            if exc.same_request:
                return exc.existing, False
            raise Problem(
                409,
                "claim-exists",
                "Claim already submitted",
                "A participant makes one claim per edition, and this one was submitted with "
                "other content; add documents to its lines instead.",
                claim_id=exc.existing.claim_id,
            ) from None
        self.relay.kick()
        return claim, True

    async def claim(self, claimant: Claimant) -> Claim:
        claim = await self.claims.of_participant(claimant.edition_id, claimant.participant_id)
        if claim is None:
            raise _no_claim()
        return claim

    async def attach(self, claimant: Claimant, line_id: str, document_ids: list[str]) -> Claim:
        """Add uploaded documents to a line of the claim; the claim is complete once every line
        has the documents its category requires."""
        claim_id = claim_id_of(claimant.edition_id, claimant.participant_id)
        async with self.claims.changing(claim_id) as claim:
            if claim is None:
                raise _no_claim()
            documents = await self._resolve(claimant, set(document_ids), field="document_ids")
            if claim.line(line_id) is None:
                raise Problem(
                    404,
                    "unknown-line",
                    "Unknown expense line",
                    f"The claim has no line {line_id!r}.",
                    field="line_id",
                    allowed=[line.line_id for line in claim.lines],
                )
            try:
                attached = [documents[d] for d in dict.fromkeys(document_ids)]
                changed = claim.with_documents(line_id, attached, now())
            except WrongState as exc:
                raise wrong_state(exc) from None
            await self.claims.save(changed, [])
        return changed

    async def _resolve(
        self, claimant: Claimant, document_ids: set[str], *, field: str
    ) -> dict[str, LineDocument]:
        uploaded = {d.document_id: d.reference() for d in await self.uploads(claimant)}
        unknown = sorted(document_ids - uploaded.keys())
        if unknown:
            raise Problem(
                422,
                "unknown-document",
                "Unknown document",
                f"No document {', '.join(unknown)} was uploaded by this participant.",
                field=field,
                unknown=unknown,
            )
        return uploaded

    def _submitted(self, claim: Claim) -> list[Envelope[Any]]:
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
        events: list[Envelope[Any]] = [outbox.envelope(claimed, self.source)]
        if claim.missing:
            missing = DocumentsMissing(
                application_id=claim.application_id,
                edition_id=claim.edition_id,
                claim_id=claim.claim_id,
                participant_id=claim.participant_id,
                missing=describe_missing(claim.missing),
                noted_at=claim.submitted_at,
            )
            events.append(outbox.envelope(missing, self.source))
        return events


def _not_found() -> Problem:
    return Problem(
        404,
        "participant-not-found",
        "Participant not found",
        "No participant matches this application, participant id and link token.",
    )


def _no_claim() -> Problem:
    return Problem(404, "no-claim", "No claim", "This participant has not claimed yet.")
