"""Payment batches under concurrency, on the real store: finance officers clicking "new batch"
or "mark paid" at once get one batch and one truthful answer per transfer reference (issue 12).
The requests race inside one process: on FerretDB a second replica cannot take the database's
writer lease (academy_kit.lease), and on MongoDB the batch and the payment are inserted under
ids only one insert can take, whichever process makes it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from aiokafka import ConsumerRecord

from academy_contracts.registry import Topic
from academy_reimbursement.settings import ReimbursementSettings

from .support.cohort import PDF, Cohort
from .support.forms import line

pytestmark = pytest.mark.integration


async def approved_claims(service: httpx.AsyncClient, cohort: Cohort, finance: Any) -> list[str]:
    """Every participant of the cohort with an approved claim; their claim ids."""
    claim_ids = []
    for pid in cohort.participant_ids:
        uploaded = await service.post(
            f"{cohort.path(pid)}/documents",
            data={"kind": "receipt"},
            files={"file": ("receipt.pdf", PDF + pid.encode(), "application/pdf")},
            headers=cohort.headers(pid),
        )
        form = {
            "lines": [line(cohort, "meals", "40.00", "EUR", [uploaded.json()["document_id"]])],
            "bank": {
                "beneficiary_name": pid,
                "iban": "TN59 1000 6035 1835 9847 8831",
                "bic": "BSTUTNTT",
                "bank_name": "Banque de Tunisie",
                "bank_country": "TN",
            },
        }
        submitted = await service.post(
            f"{cohort.path(pid)}/claim", json=form, headers=cohort.headers(pid)
        )
        claim_id = submitted.json()["claim_id"]
        approved = await service.post(f"/v1/claims/{claim_id}/approval", headers=finance)
        assert approved.status_code == 200, approved.text
        claim_ids.append(claim_id)
    return claim_ids


async def test_concurrent_new_batches_make_one_batch_with_every_claim(
    service: Any, enrol: Any, finance: Any, problem: Any
) -> None:
    cohort = await enrol()
    claim_ids = await approved_claims(service, cohort, finance)
    assert await waiting(service, cohort, finance) == sorted(claim_ids)
    body = {"edition_id": cohort.edition_id}
    clients = [service] * 6
    answers = await asyncio.gather(
        *(c.post("/v1/payment-batches", json=body, headers=finance) for c in clients)
    )
    made = [a for a in answers if a.is_success]
    assert {a.status_code for a in made} <= {200, 201}
    assert [a.status_code for a in made].count(201) == 1
    assert len({a.json()["batch_id"] for a in made}) == 1  # one batch, told to every officer
    for answer in made:
        assert sorted(c["claim_id"] for c in answer.json()["claims"]) == sorted(claim_ids)
    batch = await service.get(f"/v1/payment-batches/{made[0].json()['batch_id']}", headers=finance)
    assert sorted(c["claim_id"] for c in batch.json()["claims"]) == sorted(claim_ids)
    for refused in (a for a in answers if not a.is_success):
        assert problem(refused, 409)["type"].endswith("nothing-to-pay")
    again = await service.post("/v1/payment-batches", json=body, headers=finance)
    assert problem(again, 409)["type"].endswith("nothing-to-pay")
    assert await waiting(service, cohort, finance) == []
    assert await waiting(service, cohort, finance, batched=True) == sorted(claim_ids)


async def waiting(
    service: httpx.AsyncClient, cohort: Cohort, finance: Any, *, batched: bool = False
) -> list[str]:
    """The ids of the cohort's approved claims in a payment batch, or in none yet."""
    found = await service.get(
        "/v1/claims",
        params={"edition_id": cohort.edition_id, "state": "approved", "batched": batched},
        headers=finance,
    )
    assert found.status_code == 200, found.text
    page = found.json()
    assert page["total"] == len(page["items"])
    return sorted(c["claim_id"] for c in page["items"])


async def test_concurrent_payments_keep_the_first_reference_and_say_so(
    service: Any,
    enrol: Any,
    finance: Any,
    problem: Any,
    topic_records: Any,
    eventually: Any,
) -> None:
    cohort = await enrol()
    claim_ids = await approved_claims(service, cohort, finance)
    made = await service.post(
        "/v1/payment-batches", json={"edition_id": cohort.edition_id}, headers=finance
    )
    url = f"/v1/payment-batches/{made.json()['batch_id']}/payment"
    references = [f"TRF-{n % 3}" for n in range(10)]
    answers = await asyncio.gather(
        *(
            service.post(url, json={"payment_reference": reference}, headers=finance)
            for n, reference in enumerate(references)
        )
    )
    kept = {a.json()["payment_reference"] for a in answers if a.status_code == 200}
    assert len(kept) == 1
    [winner] = kept
    for reference, answer in zip(references, answers, strict=True):
        if reference == winner:
            assert answer.status_code == 200, answer.text
            assert {c["payment_reference"] for c in answer.json()["claims"]} == {winner}
        else:
            assert problem(answer, 409)["payment_reference"] == winner
    repeated = await service.post(url, json={"payment_reference": winner}, headers=finance)
    assert repeated.status_code == 200
    other = await service.post(url, json={"payment_reference": "TRF-late"}, headers=finance)
    assert problem(other, 409)["payment_reference"] == winner

    # A record may be published twice (a relay retry after a lost acknowledgement); consumers
    # are idempotent by event id, so what counts is one event id per claim.
    settings: ReimbursementSettings = service.app.state.settings

    def paid_here(record: ConsumerRecord[bytes, bytes]) -> bool:
        ce_type: bytes = dict(record.headers)["ce_type"]
        key: bytes = record.key
        return key.decode() == cohort.application_id and ce_type.endswith(b".paid.v1")

    async def paid_events() -> dict[str, Any] | None:
        records = await topic_records(
            settings.kafka_bootstrap_servers, Topic.REIMBURSEMENT.value, paid_here, expect=3
        )
        events = {dict(r.headers)["ce_id"]: json.loads(r.value) for r in records}
        return events if len(events) >= len(claim_ids) else None

    paid = await eventually(paid_events)
    assert sorted(p["claim_id"] for p in paid.values()) == sorted(claim_ids)  # each paid once
    assert {p["payment_reference"] for p in paid.values()} == {winner}
