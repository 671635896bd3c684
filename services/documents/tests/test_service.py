"""The documents service on the real Kafka and FerretDB: certificates go to exactly those who
attended every session (not to one who missed a session, nor to one whose check-in was undone
before the end), their references verify (a made-up one does not), the holder downloads a PDF
naming them, and an undone check-in revokes the certificate."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from academy_contracts import links
from academy_contracts.registry import Topic
from academy_documents.settings import DocumentsSettings
from academy_local import paths

from .support.cohort import NAMES, Cohort

pytestmark = pytest.mark.integration

SAMPLES = paths.cache_dir() / "documents"
"""Where the tests leave what they downloaded, to look at (``pdftoppm -png`` for the PDFs)."""


async def test_certificates_from_the_events_to_the_pdf(
    service: httpx.AsyncClient,
    send: Any,
    eventually: Any,
    received: Any,
    staff_headers: Any,
    problem: Any,
    uid: str,
) -> None:
    cohort = Cohort(f"ed-{uid}")
    complete, partial, undone = cohort.participant_ids
    admin = staff_headers("admin")
    await send(
        cohort.selected(),
        cohort.attended(complete, "s1"),
        cohort.attended(complete, "s2"),
        cohort.attended(partial, "s2"),
        cohort.attended(undone, "s1"),
        cohort.attended(undone, "s2"),
        cohort.undone(undone, "s1"),
    )
    # The edition, whose sessions are over, comes once the service holds the check-ins: the
    # topics are consumed side by side, and an edition read before the undo would rightly
    # certify that participant, then revoke the certificate when the undo arrives.
    transport: Any = service._transport  # the in-process app's own projection
    presence = transport.app.state.certificates.cohort
    standing = {(complete, "s1"), (complete, "s2"), (partial, "s2"), (undone, "s2")}

    async def checked_in() -> bool:
        return set(await presence.present(cohort.edition_id)) == standing

    assert await eventually(checked_in)
    await send(cohort.edition())

    async def issued() -> list[dict[str, Any]]:
        answer = await service.get(f"/v1/editions/{cohort.edition_id}/certificates", headers=admin)
        return [c for c in answer.json() if c["state"] == "issued"]

    certificates = await eventually(issued)
    assert [c["participant_id"] for c in certificates] == [complete]
    reference = certificates[0]["reference"]
    events = await received(
        Topic.DOCUMENTS.value, {cohort.application_id}, expect=1, types={"CertificateIssued"}
    )
    assert [(name, body["participant_id"]) for name, body in events] == [
        ("CertificateIssued", complete)
    ]

    verified = (await service.get(f"/v1/certificates/{reference}")).json()
    assert (verified["genuine"], verified["full_name"]) == (True, NAMES[0])
    made_up = reference[:-4] + ("AAAA" if not reference.endswith("AAAA") else "BBBB")
    assert problem(await service.get(f"/v1/certificates/{made_up}"), 404)["type"].endswith(
        "unknown-certificate"
    )

    secret, now = DocumentsSettings().link_secret, datetime.now(UTC)
    token = links.issue(secret, cohort.application_id, complete, links.Scope.PARTICIPANT, now=now)
    own = f"/v1/applications/{cohort.application_id}/participants"
    pdf = await service.get(f"{own}/{complete}/certificate.pdf", params={"token": token})
    assert pdf.headers["content-type"] == "application/pdf"
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "certificate-fr.pdf").write_bytes(pdf.content)
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    for expected in (NAMES[0], reference, "Atelier 2"):
        assert expected in text
    # a teammate's own link does not open this participant's certificate; a forged one is refused
    problem(await service.get(f"{own}/{undone}/certificate.pdf", params={"token": token}), 403)
    problem(await service.get(f"{own}/{complete}/certificate.pdf", params={"token": "x"}), 401)

    await send(cohort.undone(complete, "s2"))

    async def revoked() -> bool:
        answer = (await service.get(f"/v1/certificates/{reference}")).json()
        return answer["genuine"] is False and answer["revocation_reason"] == (
            "attendance_incomplete"
        )

    assert await eventually(revoked)
