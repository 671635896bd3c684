"""Claims on the real broker and store: from selection and check-ins to payment and its events
on Kafka, a duplicate claim and uploads kept once by the store, redelivered events. The rule
cases (missing documents, missed sessions, rates) are in the fast tier (test_handlers.py)."""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import datetime
from typing import Any

import httpx
import pytest

from academy_contracts.registry import Topic
from academy_kit.mongo import connected
from academy_reimbursement.adapters.cohort import ATTENDANCE

from .conftest import cohort_store
from .support.cohort import JPEG, MAX_DOCUMENT_BYTES, PDF, PNG, Cohort
from .support.forms import BANK, line
from .support.service import CONSUMED

pytestmark = pytest.mark.integration


async def upload(
    client: httpx.AsyncClient, cohort: Cohort, pid: str, kind: str, content: bytes
) -> httpx.Response:
    return await client.post(
        f"{cohort.path(pid)}/documents",
        data={"kind": kind},
        files={"file": (f"{kind}.bin", content, "application/octet-stream")},
        headers=cohort.headers(pid),
    )


async def uploaded(
    client: httpx.AsyncClient, cohort: Cohort, pid: str, kind: str, content: bytes
) -> str:
    response = await upload(client, cohort, pid, kind, content)
    assert response.status_code == 201, response.text
    document_id: str = response.json()["document_id"]
    return document_id


async def test_a_complete_claim_is_approved_at_ninety_percent_in_euros_and_paid_once(
    service: Any,
    enrol: Any,
    send: Any,
    caught_up: Any,
    eventually: Any,
    finance: Any,
    staff_headers: Any,
    received: Any,
    problem: Any,
) -> None:
    cohort = await enrol()
    pid = cohort.participant_ids[0]
    ticket = await uploaded(service, cohort, pid, "ticket", PDF)
    boarding = await uploaded(service, cohort, pid, "boarding_pass", JPEG)
    invoice = await uploaded(service, cohort, pid, "invoice", PNG)
    form = {
        "lines": [
            line(cohort, "travel", "1700.00", "TND", [ticket, boarding]),
            line(cohort, "accommodation", "900.00", "EUR", [invoice]),
        ],
        "bank": BANK,
    }
    submitted = await service.post(
        f"{cohort.path(pid)}/claim", json=form, headers=cohort.headers(pid)
    )
    assert submitted.status_code == 201, submitted.text
    claim = submitted.json()
    assert (claim["state"], claim["missing"]) == ("complete", [])
    claim_id = claim["claim_id"]

    refused = await service.post(f"/v1/claims/{claim_id}/approval", headers=finance)
    assert problem(refused, 422)["currency"] == "TND"  # no rate yet: nothing is guessed

    rates = {"rates": [{"currency": "TND", "valid_from": "2000-01-01", "units_per_eur": "3.40"}]}
    published = await service.post("/v1/rate-tables", json=rates, headers=finance)
    assert published.status_code == 201, published.text
    caps = {"caps_eur": {"accommodation": "800.00"}}
    set_caps = await service.put(
        f"/v1/editions/{cohort.edition_id}/caps", json=caps, headers=staff_headers("admin")
    )
    assert set_caps.json()["caps_eur"]["accommodation"] == "800.00"
    assert set_caps.json()["caps_eur"]["travel"] == "800.00"  # the default

    store = cohort_store(service)
    settings = service.app.state.settings

    async def consumed() -> bool:
        return bool(await caught_up(settings, [t.value for t in CONSUMED]))

    # The desk undoes the s2 check-in; then the older check-in is redelivered.
    await send(cohort.undone(pid, "s2"), cohort.attended(pid, "s2"))
    await eventually(consumed)
    assert await store.attended(cohort.edition_id, pid) == {"s1"}
    undone = await service.post(f"/v1/claims/{claim_id}/approval", headers=finance)
    assert problem(undone, 422)["missed"] == ["s2"]
    await send(cohort.attended_again(pid, "s2"))
    await eventually(consumed)
    assert await store.attended(cohort.edition_id, pid) == {"s1", "s2"}

    approved = await service.post(f"/v1/claims/{claim_id}/approval", headers=finance)
    assert approved.status_code == 200, approved.text
    seen = await service.get(f"{cohort.path(pid)}/claim", headers=cohort.headers(pid))
    assert (seen.json()["state"], seen.json()["decided_by"]) == ("approved", "staff@test")
    document = await service.get(f"/v1/claims/{claim_id}/documents/{boarding}", headers=finance)
    assert (document.content, document.headers["content-type"]) == (JPEG, "image/jpeg")
    elsewhere = await service.get(f"/v1/claims/{claim_id}/documents/doc-x", headers=finance)
    assert problem(elsewhere, 404)["allowed"] == sorted([ticket, boarding, invoice])
    assessment = approved.json()["assessment"]
    # 1700 TND / 3.40 = 500.00 EUR; 900 EUR capped at 800; 90% of 1300 = 1170.
    assert [ln["eur"] for ln in assessment["lines"]] == ["500.00", "900.00"]
    assert (assessment["eligible_eur"], assessment["reimbursed_eur"]) == ("1300.00", "1170.00")
    assert assessment["rate_table_version"] == published.json()["version"]

    batch = await service.post(
        "/v1/payment-batches", json={"edition_id": cohort.edition_id}, headers=finance
    )
    assert batch.status_code == 201, batch.text
    batch_id = batch.json()["batch_id"]
    assert [c["claim_id"] for c in batch.json()["claims"]] == [claim_id]
    again = await service.post(
        "/v1/payment-batches", json={"edition_id": cohort.edition_id}, headers=finance
    )
    assert problem(again, 409)["type"].endswith("nothing-to-pay")  # one batch per claim

    export = await service.get(f"/v1/payment-batches/{batch_id}/transfers.csv", headers=finance)
    assert export.headers["content-type"].startswith("text/csv")
    [row] = list(csv.DictReader(io.StringIO(export.text)))
    assert row["end_to_end_reference"] == claim_id
    assert (row["iban"], row["bic"], row["bank_country"]) == (
        "TN5910006035183598478831",
        "BSTUTNTT",
        "TN",
    )
    assert (row["amount"], row["currency"]) == ("1170.00", "EUR")

    pay = f"/v1/payment-batches/{batch_id}/payment"
    for _ in range(2):  # the same reference again is the same payment
        paid = await service.post(pay, json={"payment_reference": "TRF-2024-001"}, headers=finance)
        assert paid.status_code == 200, paid.text
        assert paid.json()["state"] == "paid"
        assert paid.json()["payment_reference"] == "TRF-2024-001"
        assert paid.json()["claims"][0]["payment_reference"] == "TRF-2024-001"
    other = await service.post(pay, json={"payment_reference": "TRF-2024-002"}, headers=finance)
    assert problem(other, 409)["payment_reference"] == "TRF-2024-001"

    events = await received(Topic.REIMBURSEMENT, {cohort.application_id}, expect=3)
    assert [name for name, _ in events] == [
        "ExpenseClaimed",
        "ReimbursementApproved",
        "ReimbursementPaid",
    ]
    claimed, approval, payment = (body for _, body in events)
    assert {d["document_id"] for d in claimed["documents"]} == {ticket, boarding, invoice}
    assert approval["eligible"] == {"amount": "1300.00", "currency": "EUR"}
    assert approval["approved"] == {"amount": "1170.00", "currency": "EUR"}
    decided_at = datetime.fromisoformat(approved.json()["decided_at"])
    assert datetime.fromisoformat(approval["approved_at"]) == decided_at  # one instant
    assert payment["amount"] == {"amount": "1170.00", "currency": "EUR"}


async def test_submitting_the_same_claim_twice_creates_one_claim(
    service: Any, enrol: Any, finance: Any, received: Any, problem: Any
) -> None:
    cohort = await enrol()
    pid = cohort.participant_ids[0]
    visa = await uploaded(service, cohort, pid, "visa_receipt", PDF)
    form = {"lines": [line(cohort, "visa", "60.00", "EUR", [visa])], "bank": BANK}
    path = f"{cohort.path(pid)}/claim"
    first = await service.post(path, json=form, headers=cohort.headers(pid))
    retry = await service.post(path, json=form, headers=cohort.headers(pid))
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.json()["claim_id"] == first.json()["claim_id"]

    other = {**form, "lines": [line(cohort, "visa", "65.00", "EUR", [visa])]}
    conflict = problem(await service.post(path, json=other, headers=cohort.headers(pid)), 409)
    assert conflict["claim_id"] == first.json()["claim_id"]

    listed = await service.get(
        "/v1/claims", params={"edition_id": cohort.edition_id}, headers=finance
    )
    assert listed.json()["total"] == 1
    events = await received(Topic.REIMBURSEMENT, {cohort.application_id}, expect=1)
    assert [name for name, _ in events] == ["ExpenseClaimed"]


async def test_redelivered_events_change_nothing_and_a_revoked_selection_stops_claims(
    service: Any,
    enrol: Any,
    send: Any,
    caught_up: Any,
    eventually: Any,
    finance: Any,
    problem: Any,
) -> None:
    cohort = await enrol(attended=("s1",))
    store = cohort_store(service)
    settings = service.app.state.settings
    pid = cohort.participant_ids[0]

    async def consumed() -> bool:
        return bool(await caught_up(settings, [t.value for t in CONSUMED]))

    [selected, check_in] = await send(cohort.selected(), cohort.attended(pid, "s1"))
    edition = cohort.edition()
    other_sessions = edition.model_copy(update={"sessions": edition.sessions[:1]})
    await send(selected, check_in, other_sessions)  # redelivered, and revision 1 again
    await eventually(consumed)
    assert await store.attended(cohort.edition_id, pid) == {"s1"}
    async with connected(settings) as db:
        check_ins = {"edition_id": cohort.edition_id, "participant_id": pid}
        assert await db[ATTENDANCE].count_documents(check_ins) == 1
    sessions = await store.sessions(cohort.edition_id) or []
    assert [s.session_id for s in sessions] == ["s1", "s2"]  # the first revision 1 stands
    claimant = await store.claimant(cohort.application_id, pid)
    assert claimant is not None
    assert claimant.selected

    receipt = (await upload(service, cohort, pid, "receipt", PDF)).json()["document_id"]
    form = {"lines": [line(cohort, "meals", "20.00", "EUR", [receipt])], "bank": BANK}
    claim = (
        await service.post(f"{cohort.path(pid)}/claim", json=form, headers=cohort.headers(pid))
    ).json()

    await send(cohort.rejected(), selected)  # the offer was declined; then a late redelivery
    await eventually(consumed)
    revoked = await store.claimant(cohort.application_id, pid)
    assert revoked is not None
    assert not revoked.selected
    refused = await service.get(f"{cohort.path(pid)}/documents", headers=cohort.headers(pid))
    assert problem(refused, 403)["type"].endswith("not-selected")
    approval = await service.post(f"/v1/claims/{claim['claim_id']}/approval", headers=finance)
    assert problem(approval, 409)["type"].endswith("selection-revoked")


async def test_uploads_of_the_wrong_type_or_too_big_are_refused_and_nothing_is_kept(
    service: Any, enrol: Any, problem: Any
) -> None:
    cohort = await enrol()
    pid = cohort.participant_ids[0]
    disguised = await upload(service, cohort, pid, "invoice", b"GIF89a not a pdf at all")
    assert problem(disguised, 415)["allowed"] == ["application/pdf", "image/jpeg", "image/png"]
    too_big = await upload(service, cohort, pid, "invoice", PDF + b"0" * MAX_DOCUMENT_BYTES)
    assert problem(too_big, 413)["max_bytes"] == MAX_DOCUMENT_BYTES
    bad_kind = await upload(service, cohort, pid, "selfie", PDF)
    assert "invoice" in problem(bad_kind, 422)["errors"][0]["allowed"]
    listed = await service.get(f"{cohort.path(pid)}/documents", headers=cohort.headers(pid))
    assert listed.json() == []

    first = await upload(service, cohort, pid, "invoice", PDF)
    again = await upload(service, cohort, pid, "invoice", PDF)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert first.json()["media_type"] == "application/pdf"
