"""The HTTP edge on in-memory handlers (the fast tier): every domain failure has its problem,
and routes answer refusals as RFC 9457 problems naming what to do."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any
from urllib.parse import unquote

import httpx
import pytest

from academy_contracts.values import Currency, DocumentKind
from academy_reimbursement.domain import failures as f
from academy_reimbursement.entrypoints.api.errors import problem as problem_of

from .support.cohort import PDF, Cohort
from .support.forms import BANK, claim_form, line
from .support.service import InMemory, app_on, in_memory

SAMPLES: list[f.Failure] = [
    f.ParticipantNotFound(),
    f.NotSelected(),
    f.NoClaim(),
    f.UnknownClaim("c"),
    f.ClaimSubmittedAlready("c"),
    f.WrongClaimState("paid", ["approved"]),
    f.UnknownLine("L9", ["L1"]),
    f.UnknownDocuments(["d"], "document_ids"),
    f.DocumentNotInClaim("d", ["e"]),
    f.DocumentTooLarge(10),
    f.UnsupportedDocument(["application/pdf"], "not a PDF"),
    f.EditionUnknown("e"),
    f.UnknownSession("e", "s9", ["s1"]),
    f.SelectionRevoked(),
    f.AttendanceIncomplete(["s2"], []),
    f.MissingRate(Currency.TND, date(2024, 1, 1)),
    f.RateTableChanged(2),
    f.NoRateTable(),
    f.UnknownBatch("b"),
    f.NothingToPay(),
    f.PaidWithOtherReference("b", "TRF-1"),
]


def _subclasses(cls: type[f.Failure]) -> set[type[f.Failure]]:
    return {sub for direct in cls.__subclasses__() for sub in {direct, *_subclasses(direct)}}


def test_every_failure_has_its_own_client_error_problem() -> None:
    assert {type(sample) for sample in SAMPLES} == _subclasses(f.Failure)
    problems = [problem_of(sample) for sample in SAMPLES]
    assert all(400 <= p.status < 500 for p in problems)
    kinds = [p.kind for p in problems]
    # An unknown document is one kind whether a claim or an upload list lacks it.
    assert len(set(kinds)) == len(kinds) - 1


@pytest.fixture
def memory() -> InMemory:
    return in_memory()


@pytest.fixture
async def client(memory: InMemory) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app_on(memory))
    async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
        yield client


async def test_refusals_are_problems_that_say_what_is_wanting(
    memory: InMemory, client: httpx.AsyncClient, staff_headers: Any, problem: Any
) -> None:
    cohort = await memory.enrol(Cohort(f"ed-{uuid.uuid4().hex[:8]}"), attended=("s1",))
    pid = cohort.participant_ids[0]
    documents = f"{cohort.path(pid)}/documents"
    disguised = await client.post(
        documents,
        data={"kind": "receipt"},
        files={"file": ("r.pdf", b"GIF89a", "application/pdf")},
        headers=cohort.headers(pid),
    )
    assert problem(disguised, 415)["field"] == "file"
    by_link = await client.get(documents, params={"token": cohort.token(pid)})
    assert by_link.json() == []  # the link's ?token= opens it as the header does
    assert problem(await client.get(documents), 401)["type"].endswith("link-invalid")
    uploaded = await client.post(
        documents,
        data={"kind": "receipt"},
        files={"file": ("r.pdf", PDF, "application/pdf")},
        headers=cohort.headers(pid),
    )
    receipt = uploaded.json()["document_id"]
    form = {"lines": [line(cohort, "meals", "20.00", "EUR", [receipt])], "bank": BANK}
    claim = await client.post(f"{cohort.path(pid)}/claim", json=form, headers=cohort.headers(pid))
    assert claim.status_code == 201, claim.text

    finance = staff_headers("finance")
    approval = f"/v1/claims/{claim.json()['claim_id']}/approval"
    missed = problem(await client.post(approval, headers=finance), 422)
    assert (missed["type"], missed["missed"]) == (
        "urn:cluster-academy:problem:attendance-incomplete",
        ["s2"],
    )
    unknown = await client.post(
        "/v1/payment-batches/nope/payment", json={"payment_reference": "T"}, headers=finance
    )
    assert problem(unknown, 404)["type"].endswith("unknown-batch")
    nothing = await client.post("/v1/payment-batches", json={}, headers=finance)
    assert problem(nothing, 409)["type"].endswith("nothing-to-pay")


async def test_a_document_is_downloaded_as_an_attachment_that_cannot_be_sniffed(
    memory: InMemory, client: httpx.AsyncClient, staff_headers: Any
) -> None:
    cohort = await memory.enrol(Cohort(f"ed-{uuid.uuid4().hex[:8]}"))
    pid = cohort.participant_ids[0]
    claimant = await memory.claimants.open(cohort.application_id, pid, cohort.grant(pid))
    hostile = 'reçu "1".pdf"\r\nSet-Cookie: session=stolen; x="'
    document, _ = await memory.documents.upload(claimant, DocumentKind.RECEIPT, hostile, PDF)
    form = claim_form(line(cohort, "meals", "20.00", "EUR", [document.document_id]))
    claim, _ = await memory.claims.submit(claimant, form)

    download = await client.get(
        f"/v1/claims/{claim.claim_id}/documents/{document.document_id}",
        headers=staff_headers("finance"),
    )
    assert download.content == PDF
    assert download.headers["x-content-type-options"] == "nosniff"
    assert "set-cookie" not in download.headers
    disposition = download.headers["content-disposition"]
    assert not {"\r", "\n"} & set(disposition)
    fallback, encoded = disposition.split("; ")[1:]
    assert fallback.startswith('filename="')
    assert fallback.count('"') == 2
    assert encoded.startswith("filename*=UTF-8''")
    name = encoded.removeprefix("filename*=UTF-8''")
    assert unquote(name) == 'reçu "1".pdf" Set-Cookie: session=stolen; x="'
    assert disposition.startswith("attachment; ")
