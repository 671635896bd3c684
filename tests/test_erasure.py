"""Erasure on the real servers (issue 18): two clusters apply and are selected; one member of
each checks in, uploads a receipt and claims with an IBAN, and gets emails. An admin erases the
first. Then every collection of every service's database, every mail sent since, and a replay
of the topics into empty databases hold nothing of them but the anonymised record (nor does a
late amendment naming them as they were), while the second keeps everything and the
reimbursement figures and the funder's report do not move."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from bson import json_util
from pymongo import AsyncMongoClient
from schwifty import IBAN

from academy_contracts.events import ApplicationUpdated
from academy_contracts.registry import Topic
from academy_documents.entrypoints.main import create_app as documents_app
from academy_documents.entrypoints.main import replayable as documents_replay
from academy_documents.settings import DocumentsSettings
from academy_kit import erasure
from academy_kit.settings import ServiceSettings
from academy_notification.entrypoints.main import create_app as notification_app
from academy_notification.entrypoints.main import replayable as notification_replay
from academy_notification.settings import NotificationSettings
from academy_ops.records import partitions_of
from academy_ops.replay import Offsets, rebuild
from academy_registration.entrypoints.main import create_app as registration_app
from academy_registration.entrypoints.main import replayable as registration_replay
from academy_registration.settings import RegistrationSettings
from academy_reimbursement.entrypoints.main import create_app as reimbursement_app
from academy_reimbursement.entrypoints.main import replayable as reimbursement_replay
from academy_reimbursement.settings import ReimbursementSettings
from academy_selection.entrypoints.main import create_app as selection_app
from academy_selection.entrypoints.main import replayable as selection_replay
from academy_selection.settings import SelectionSettings
from tests.support.observe import MailSink, TopicRecorder
from tests.support.story import (
    ADMIN,
    CHECKIN,
    FINANCE,
    SESSIONS,
    Clients,
    Member,
    receipt_pdf,
    set_up_cohort,
)

# Five services and a story through selection: minutes when the shared machine is busy.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

TOPICS = [topic.value for topic in Topic]
READS = {
    "registration": [Topic.APPLICATIONS, Topic.SELECTION],
    "selection": [Topic.EDITIONS, Topic.APPLICATIONS],
    "notification": list(Topic),
    "reimbursement": [Topic.EDITIONS, Topic.APPLICATIONS, Topic.SELECTION, Topic.ATTENDANCE],
    "documents": [
        Topic.EDITIONS,
        Topic.APPLICATIONS,
        Topic.SELECTION,
        Topic.ATTENDANCE,
        Topic.REIMBURSEMENT,
    ],
}
"""The topics each service reads (its subscription table's), for telling when it caught up."""
REPLAYABLE: dict[str, Any] = {
    "registration": registration_replay,
    "selection": selection_replay,
    "notification": notification_replay,
    "reimbursement": reimbursement_replay,
    "documents": documents_replay,
}
SUBMITTED = b"org.euromed.academy.application.submitted.v1"
KEPT_IBAN = str(IBAN.generate("DE", bank_code="37040044", account_code="532013001").compact)
ERASED_IBAN = str(IBAN.generate("DE", bank_code="37040044", account_code="987654321").compact)


def _texts(value: Any) -> list[str]:
    """Every binary value in a document, as text (an uploaded PDF names its owner)."""
    if isinstance(value, dict):
        return [text for item in value.values() for text in _texts(item)]
    if isinstance(value, list):
        return [text for item in value for text in _texts(item)]
    return [value.decode("latin-1")] if isinstance(value, bytes) else []


async def _found(uri: str, databases: list[str], needles: list[str]) -> list[str]:
    """Where any of ``needles`` appears, any case, in any document of ``databases``."""
    hits: list[str] = []
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, tz_aware=True)
    try:
        for name in databases:
            db = client[name]
            for collection in await db.list_collection_names():
                async for doc in db[collection].find({}):
                    text = " ".join([json_util.dumps(doc), *_texts(doc)]).lower()
                    hits += [
                        f"{name}.{collection} {doc['_id']}: {needle}"
                        for needle in needles
                        if needle.lower() in text
                    ]
    finally:
        await client.close()
    return hits


async def _attend_and_claim(c: Clients, edition_id: str, m: Member, iban: str, amount: str) -> str:
    for sid in SESSIONS:
        answer = await c.registration.post(
            f"/v1/editions/{edition_id}/sessions/{sid}/check-ins",
            json={"participant_id": m.participant_id},
            headers=CHECKIN,
        )
        assert answer.is_success, answer.text
    token = {"X-Application-Token": m.token}
    upload = await c.reimbursement.post(
        f"{m.path}/documents",
        data={"kind": "receipt"},
        files={"file": ("receipt.pdf", receipt_pdf(f"Receipt of {m.name}"), "application/pdf")},
        headers=token,
    )
    assert upload.is_success, upload.text
    claim = {
        "lines": [
            {
                "category": "meals",
                "expense_date": datetime.now(UTC).date().isoformat(),
                "description": "Meals during the workshops",
                "amount": {"amount": amount, "currency": "EUR"},
                "documents": [upload.json()["document_id"]],
            }
        ],
        "bank": {
            "beneficiary_name": m.name,
            "iban": iban,
            "bic": "COBADEFFXXX",
            "bank_name": "Commerzbank",
            "bank_country": "DE",
        },
    }
    answer = await c.reimbursement.post(f"{m.path}/claim", json=claim, headers=token)
    assert answer.is_success, answer.text
    claim_id: str = answer.json()["claim_id"]
    return claim_id


@asynccontextmanager
async def _services(
    settings: dict[str, ServiceSettings], run_app: Any
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    makers: dict[str, Any] = {
        "registration": registration_app,
        "selection": selection_app,
        "notification": notification_app,
        "reimbursement": reimbursement_app,
        "documents": documents_app,
    }
    async with AsyncExitStack() as stack:
        yield {
            name: await stack.enter_async_context(run_app(makers[name](s)))
            for name, s in settings.items()
        }


async def test_an_erased_participant_is_found_nowhere_and_a_replay_brings_nothing_back(
    servers: Any,
    uid: str,
    service_settings: Any,
    run_app: Any,
    start_at_the_end: Any,
    free_port: Any,
    eventually: Any,
    caught_up: Any,
    topic_records: Any,
    send: Any,
) -> None:
    mail_port = free_port()
    sink = MailSink(mail_port)
    sink.start()
    live: dict[str, ServiceSettings] = {
        "registration": service_settings(RegistrationSettings),
        "selection": service_settings(SelectionSettings),
        "notification": service_settings(
            NotificationSettings, smtp_port=mail_port, retry_base_seconds=0.5
        ),
        "reimbursement": service_settings(ReimbursementSettings),
        "documents": service_settings(DocumentsSettings),
    }
    for s in live.values():
        await start_at_the_end(s, TOPICS)
    starts = await _ends(servers.kafka_bootstrap)
    edition_id = f"k{uid}a"
    recorder = TopicRecorder(servers.kafka_bootstrap, [Topic.SELECTION.value], {edition_id})
    await recorder.start()
    try:
        async with _services(live, run_app) as c:
            clients = Clients(
                c["registration"], c["selection"], c["notification"], c["reimbursement"]
            )
            cohort = await set_up_cohort(clients, uid, 2, recorder.selected[edition_id])
            one_per_cluster = {m.application_id: m for m in cohort.members}
            erased, kept = sorted(one_per_cluster.values(), key=lambda m: m.application_id)
            erased_claim = await _attend_and_claim(
                clients, edition_id, erased, ERASED_IBAN, "120.00"
            )
            kept_claim = await _attend_and_claim(clients, edition_id, kept, KEPT_IBAN, "80.00")

            async def mailed() -> bool:
                return all(sink.count(m.email, "claim_received") for m in (erased, kept))

            assert await eventually(mailed, timeout=120)
            report_path = f"/v1/editions/{edition_id}/report"

            async def report_with_both_claims() -> Any:
                body = (await c["documents"].get(report_path, headers=ADMIN)).json()
                claimed = sum(float(row["amount"]) for row in body.get("claimed", []))
                return body if claimed == 200.0 else None

            report = await eventually(report_with_both_claims, timeout=120, interval=1)
            claims_path = f"/v1/claims?edition_id={edition_id}"
            claims_before = (await c["reimbursement"].get(claims_path, headers=FINANCE)).json()

            answer = await c["registration"].post(
                f"/v1/applications/{erased.application_id}/erasures",
                json={"participant_ids": [erased.participant_id]},
                headers=ADMIN,
            )
            assert answer.status_code == 202, answer.text
            receipt = answer.json()
            assert receipt["participant_ids"] == [erased.participant_id]
            assert receipt["message"]["fr"].startswith("Effacement enregistré")
            assert receipt["message"]["en"].startswith("Erasure recorded")

            personal = [erased.name, erased.email, ERASED_IBAN]
            databases = [s.database_name for s in live.values()]

            async def erased_everywhere() -> bool:
                return not await _found(servers.mongodb_uri, databases, personal)

            assert await eventually(erased_everywhere, timeout=180, interval=2)
            # Mail drafted before notification had the erasure may still have gone out until
            # now; from here on nothing may reach or name the person.
            mails_before_erasure = len(sink.received)
            # The anonymised record is still there, and the other manager is untouched.
            record = await c["reimbursement"].get(f"/v1/claims/{erased_claim}", headers=FINANCE)
            assert record.json()["bank"]["beneficiary_name"] == erasure.ERASED_NAME
            kept_record = await c["reimbursement"].get(f"/v1/claims/{kept_claim}", headers=FINANCE)
            assert kept_record.json()["bank"]["iban"] == KEPT_IBAN
            assert kept_record.json()["bank"]["beneficiary_name"] == kept.name
            assert await _found(servers.mongodb_uri, databases, [kept.name, kept.email, KEPT_IBAN])
            # Counts and amounts are what they were.
            claims_after = (await c["reimbursement"].get(claims_path, headers=FINANCE)).json()
            assert _figures(claims_after) == _figures(claims_before)
            assert (await c["documents"].get(report_path, headers=ADMIN)).json() == report
            # The erased person's link opens nothing any more, in the services that hold their
            # records, and says why in their language; the other person's link still opens.
            erased_link = {"X-Application-Token": erased.token, "Accept-Language": "fr"}
            for service, path in (
                ("reimbursement", f"{erased.path}/claim"),
                ("registration", erased.path),
            ):
                gone = await c[service].get(path, headers=erased_link)
                assert gone.status_code == 410, (service, gone.text)
                assert gone.json()["type"].endswith("link-erased"), gone.text
                assert gone.json()["title"] == "Données personnelles effacées"
            kept_link = {"X-Application-Token": kept.token}
            for service, path in (
                ("reimbursement", f"{kept.path}/claim"),
                ("registration", kept.path),
            ):
                assert (await c[service].get(path, headers=kept_link)).is_success, service
            # A late amendment naming the erased person as they were writes no name back: the
            # tombstone anonymises it before any handler sees it.
            [submitted] = await topic_records(
                servers.kafka_bootstrap,
                Topic.APPLICATIONS.value,
                lambda r: (
                    r.key == erased.application_id.encode()
                    and dict(r.headers)["ce_type"] == SUBMITTED
                ),
            )
            as_submitted = json.loads(submitted.value)
            del as_submitted["submitted_at"]
            await send(
                ApplicationUpdated.model_validate(
                    {**as_submitted, "revision": 2, "updated_at": datetime.now(UTC).isoformat()}
                )
            )

            async def all_caught_up() -> bool:
                return all([await caught_up(s, READS[n]) for n, s in live.items()])

            assert await eventually(all_caught_up, timeout=120, interval=1)
            assert await _found(servers.mongodb_uri, databases, personal) == []
            sent_since = sink.received[mails_before_erasure:]
            assert not [m for m in sent_since if _names_any(m, personal)]

        # Each service's projections replayed (academy replay's function) from the start of
        # this story into empty databases: the erasure holds there too.
        replayed = {name: f"t_replay_{name[:3]}_{uid}" for name in live}
        for name, s in live.items():
            done = await rebuild(REPLAYABLE[name](s), replayed[name], starts=starts)
            assert not done.failed, done.failed
        kept_found = await _found(servers.mongodb_uri, list(replayed.values()), [kept.email])
        assert kept_found, "the replay rebuilt nothing"
        assert await _found(servers.mongodb_uri, list(replayed.values()), personal) == []
    finally:
        await recorder.stop()
        sink.stop()


async def _ends(bootstrap: str) -> Offsets:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [tp for topic in TOPICS for tp in await partitions_of(bootstrap, topic)]
        ends: Offsets = await consumer.end_offsets(partitions)
        return ends
    finally:
        await consumer.stop()


def _figures(page: dict[str, Any]) -> list[Any]:
    return sorted(
        (claim["claim_id"], claim["state"], [line["amount"] for line in claim["lines"]])
        for claim in page["items"]
    )


def _names_any(message: tuple[list[str], bytes], needles: list[str]) -> bool:
    recipients, content = message
    text = " ".join([*recipients, content.decode("latin-1")]).lower()
    return any(needle.lower() in text for needle in needles)
