"""Visa support letters, through the participant's own link: ask for one with the passport
data a consulate needs, read which version is current, download the PDF. Refusals answer in
the caller's language (``Accept-Language``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel

from academy_contracts.values import Language
from academy_documents.domain.letters import PassportForm, VisaLetter
from academy_documents.entrypoints.api.deps import LettersDep
from academy_kit.web import LinkGrant

router = APIRouter(prefix="/v1/applications/{application_id}/participants", tags=["letters"])

PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}, 404: {}}


class LetterRequest(PassportForm):
    """The passport data, as typed (the service checks it), and the letter's language (the
    participant's own by default)."""

    language: Language | None = None


class LetterIssued(BaseModel):
    """Which letter is current; the passport data stays in the letter, not in the answer."""

    reference: str
    version: int
    language: Language
    issued_at: datetime


def _issued(letter: VisaLetter) -> LetterIssued:
    return LetterIssued(
        reference=letter.reference,
        version=letter.version,
        language=letter.language,
        issued_at=letter.issued_at,
    )


@router.post("/{participant_id}/visa-letter", responses={403: {}, 404: {}, 409: {}, 422: {}})
async def request_letter(
    application_id: str,
    participant_id: str,
    form: LetterRequest,
    letters: LettersDep,
    grant: LinkGrant,
) -> LetterIssued:
    """Make the participant's visa letter from this passport data (the same data again gives
    the same letter; changed data a new version)."""
    passport = PassportForm.model_validate(form.model_dump(exclude={"language"}))
    letter = await letters.request(application_id, participant_id, grant, passport, form.language)
    return _issued(letter)


@router.get("/{participant_id}/visa-letter", responses={403: {}, 404: {}})
async def read_letter(
    application_id: str, participant_id: str, letters: LettersDep, grant: LinkGrant
) -> LetterIssued:
    letter, _ = await letters.of_participant(application_id, participant_id, grant)
    return _issued(letter)


@router.get("/{participant_id}/visa-letter.pdf", response_class=Response, responses=PDF)
async def download_letter(
    application_id: str, participant_id: str, letters: LettersDep, grant: LinkGrant
) -> Response:
    letter, pdf = await letters.of_participant(application_id, participant_id, grant)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="visa-letter-{letter.reference}.pdf"',
            "Cache-Control": "no-store",
        },
    )
