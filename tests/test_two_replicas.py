"""Two replicas of one service on the embedded store (issue 12): amendments of one application
sent through HTTP to both registration processes at once, then the first one stopped so the
second serves. Before the writer lease, 50 such amendments gave revisions answered OK twice,
two contents for one revision on the topic and OK answers with no event. Now the second replica
waits for the lease (it does not serve while the first holds it) and takes over when the first
stops; every amendment answered OK is one revision, with one content, published once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from academy_contracts.links import TOKEN_HEADER
from academy_contracts.registry import Topic
from tests.support.processes import ServiceProcess
from tests.support.story import ADMIN, application_form, edition_form

pytestmark = pytest.mark.integration

AMENDMENTS = 24
"""Per round; two rounds (both replicas started, then the second alone)."""
LOGS = Path(__file__).resolve().parents[1] / ".cache" / "two-replicas"

Answer = tuple[int, dict[str, Any] | None]
"""(amendment number, the application answered 200, or None for any other outcome)."""


def _replica(servers: Any, uid: str, port: int, name: str) -> ServiceProcess:
    return ServiceProcess(
        "registration",
        port,
        {
            "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
            "MONGODB_URI": servers.mongodb_uri,
            "ACADEMY_ENV": "development",
            "ACADEMY_DATABASE": f"t_two_{uid}",
            "ACADEMY_CONSUMER_GROUP": f"t-two-{uid}",
            "ACADEMY_SEED_FIRST_EDITION": "false",
            "ACADEMY_OUTBOX_POLL_SECONDS": "0.2",
            "ACADEMY_WRITER_LEASE_SECONDS": "6",
            "ACADEMY_WRITER_LEASE_WAIT_SECONDS": "600",
        },
        LOGS / f"{name}-{uid}.log",
    )


async def _amend(
    urls: list[str], application_id: str, token: str, form: dict[str, Any], first: int
) -> list[Answer]:
    """``AMENDMENTS`` amendments at once, each with its own motivations, alternately to each
    URL; a replica that does not serve answers nothing (a transport error)."""

    async def one(n: int) -> Answer:
        body = form | {"motivations": f"Amendment {n}: grow our value chain."}
        async with httpx.AsyncClient(base_url=urls[n % len(urls)], timeout=30) as client:
            try:
                answer = await client.put(
                    f"/v1/applications/{application_id}",
                    json=body,
                    headers={TOKEN_HEADER: token},
                )
            except httpx.TransportError:
                return n, None
        return n, answer.json() if answer.status_code == 200 else None

    return list(await asyncio.gather(*(one(n) for n in range(first, first + AMENDMENTS))))


async def test_two_replicas_lose_no_amendment_and_give_one_content_per_revision(
    servers: Any, free_port: Callable[[], int], topic_records: Any
) -> None:
    uid = uuid.uuid4().hex[:8]
    first = _replica(servers, uid, free_port(), "first")
    second = _replica(servers, uid, free_port(), "second")
    first.start()
    try:
        await first.wait_live()
        second.start()
        async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
            now = datetime.now(UTC)
            edition = {
                "edition_id": f"two{uid}",
                **edition_form(
                    now + timedelta(days=7), now + timedelta(days=30), 10, timedelta(hours=6)
                ),
            }
            assert (await client.post("/v1/editions", json=edition, headers=ADMIN)).is_success
            form = application_form(f"two{uid}", uid, 0)
            receipt = (await client.post("/v1/applications", json=form)).json()
        application_id, token = receipt["application_id"], receipt["access_token"]
        del form["edition_id"]

        urls = [first.url, second.url]
        answers = await _amend(urls, application_id, token, form, 0)
        assert any(a for _, a in answers), "the replica holding the lease serves"
        first.stop()  # a clean stop releases the lease: the second replica takes it
        await second.wait_live()
        answers += await _amend(urls, application_id, token, form, AMENDMENTS)
        async with httpx.AsyncClient(base_url=second.url, timeout=30) as client:
            final = (
                await client.get(
                    f"/v1/applications/{application_id}", headers={TOKEN_HEADER: token}
                )
            ).json()
    finally:
        first.stop()
        second.stop()

    ok = {n: a for n, a in answers if a is not None}
    revisions = [a["revision"] for a in ok.values()]
    assert len(set(revisions)) == len(revisions), "no revision answered OK twice"
    assert ok, "some amendments were answered OK"
    assert any(n >= AMENDMENTS for n in ok), "the second replica served once it held the lease"

    records = await topic_records(
        servers.kafka_bootstrap,
        str(Topic.APPLICATIONS),
        lambda r: r.key.decode() == application_id,
        expect=1 + len(ok),
        timeout=60,
    )
    contents: dict[int, set[str]] = {}
    for record in records:
        body = json.loads(record.value)
        if "motivations" in body:
            revision = body.get("revision", 1)  # the submission is revision 1
            contents.setdefault(revision, set()).add(body["motivations"])
    assert all(len(texts) == 1 for texts in contents.values()), f"two contents: {contents}"
    for a in ok.values():
        assert contents.get(a["revision"]) == {a["motivations"]}, "an OK answer has its event"
    assert set(contents) == {1, *revisions}, "no event without an OK answer"
    newest = max(ok.values(), key=lambda a: a["revision"])
    assert (final["revision"], final["motivations"]) == (newest["revision"], newest["motivations"])
