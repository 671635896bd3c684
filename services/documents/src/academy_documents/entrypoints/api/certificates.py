"""Certificates of attendance: verifying a reference (anyone holding one), the holder's own
certificate through their link, and the program manager's list and counted absences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, StringConstraints

from academy_contracts.values import Language
from academy_documents.domain.certificates import (
    Certificate,
    CertificateState,
    CountedAbsence,
    RevocationReason,
)
from academy_documents.entrypoints.api.deps import AdminStaff, CertificatesDep, admin_only
from academy_kit.web import LinkGrant

router = APIRouter(prefix="/v1", tags=["certificates"])

PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}, 404: {}}


class Verification(BaseModel):
    """What a reader of a certificate may learn from its reference: whether it stands, and
    whose it is (the name printed on it), nothing more."""

    reference: str
    genuine: bool
    """True while the certificate is in force; False once revoked."""
    state: CertificateState
    full_name: str
    edition_id: str
    sessions_attended: int
    issued_at: datetime
    revoked_at: datetime | None
    revocation_reason: RevocationReason | None


def _pdf(content: bytes, reference: str) -> Response:
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="certificate-{reference}.pdf"'},
    )


@router.get("/certificates/{reference}", responses={404: {}})
async def verify_certificate(reference: str, certificates: CertificatesDep) -> Verification:
    """Is certificate ``reference`` genuine? 404 for a reference never issued."""
    certificate = await certificates.verify(reference)
    return Verification(
        reference=certificate.reference,
        genuine=certificate.valid,
        state=certificate.state,
        full_name=certificate.full_name,
        edition_id=certificate.edition_id,
        sessions_attended=len(certificate.sessions),
        issued_at=certificate.issued_at,
        revoked_at=certificate.revoked_at,
        revocation_reason=certificate.revocation_reason,
    )


@router.get(
    "/applications/{application_id}/participants/{participant_id}/certificate",
    responses={404: {}},
)
async def read_own_certificate(
    application_id: str, participant_id: str, certificates: CertificatesDep, grant: LinkGrant
) -> Certificate:
    """The participant's certificate in force, through their link."""
    return await certificates.of_participant(application_id, participant_id, grant)


@router.get(
    "/applications/{application_id}/participants/{participant_id}/certificate.pdf",
    response_class=Response,
    responses=PDF,
)
async def download_own_certificate(
    application_id: str,
    participant_id: str,
    certificates: CertificatesDep,
    grant: LinkGrant,
    lang: Language | None = None,
) -> Response:
    """The participant's certificate as a PDF, in their language or in ``lang``."""
    certificate = await certificates.of_participant(application_id, participant_id, grant)
    return _pdf(await certificates.pdf(certificate, lang), certificate.reference)


@router.get("/editions/{edition_id}/certificates", dependencies=[Depends(admin_only)])
async def list_certificates(edition_id: str, certificates: CertificatesDep) -> list[Certificate]:
    """Every certificate of the edition, in force or revoked."""
    return await certificates.of_edition(edition_id)


class CountForm(BaseModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


@router.put(
    "/editions/{edition_id}/participants/{participant_id}/counted-absences/{session_id}",
    responses={404: {}, 409: {}},
)
async def count_absence(
    edition_id: str,
    participant_id: str,
    session_id: str,
    form: CountForm,
    certificates: CertificatesDep,
    member: AdminStaff,
) -> CountedAbsence:
    """Count the participant's excused absence from a session as attended, with the reason:
    their certificate is issued if that completes their attendance of an edition that is over."""
    return await certificates.count_absence(
        edition_id, participant_id, session_id, form.reason, member.subject
    )
