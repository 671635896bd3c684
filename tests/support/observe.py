"""What the kill -9 test sees downstream, from outside the services: every event on the topics
(read with a consumer of no group, from where the scenario started) and every email the mail
sink receives. Both are indexed by the effect a request should cause, so the test can count
each effect: none is a loss, more than one a duplicate."""

from __future__ import annotations

import asyncio
import contextlib
import email
import email.policy
import json
from collections import Counter, defaultdict
from email.utils import parseaddr
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError
from aiokafka.structs import TopicPartition
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from academy_contracts.registry import Topic, UnknownEventType, spec_for_type

_SUBJECT_OF: dict[str, tuple[str, ...]] = {
    "EditionPublished": ("edition_id", "revision"),
    "ApplicationSubmitted": ("application_id",),
    "ApplicationScreened": ("application_id",),
    "ClusterSelected": ("application_id",),
    "SessionAttended": ("participant_id", "session_id"),
    "ExpenseClaimed": ("claim_id",),
    "DocumentsMissing": ("claim_id",),
    "ReimbursementApproved": ("claim_id",),
    "ReimbursementPaid": ("claim_id",),
    "CertificateIssued": ("edition_id", "participant_id"),
}
"""Which body fields name the thing an event is about: one request causes one event of a type
about one thing (a check-in is about a participant at a session, an edition's change is about
a revision)."""


async def topic_partitions(bootstrap: str, topics: list[str]) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return [
            TopicPartition(t["topic"], p["partition"])
            for t in await admin.describe_topics(topics)
            for p in t["partitions"]
        ]
    finally:
        await admin.close()


async def start_at_the_end(bootstrap: str, group: str) -> None:
    """A new consumer group reads from the earliest offset; commit the topics' ends for it so
    the services read this scenario's (or test's) events, not every earlier scenario's."""
    partitions = await topic_partitions(bootstrap, [str(t) for t in Topic])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


def subject(name: str, body: dict[str, Any]) -> str | None:
    fields = _SUBJECT_OF.get(name)
    if fields is None:
        return None
    return "/".join(str(body[f]) for f in fields)


class TopicRecorder:
    """Reads the topics from their end offsets at start, keeping the distinct event ids per
    (event name, subject): the same id delivered twice is one event; two ids are two events."""

    def __init__(self, bootstrap: str, topics: list[str], editions: set[str]) -> None:
        self._bootstrap = bootstrap
        self._topics = topics
        self.editions = editions
        self.events: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
        self.selected: defaultdict[str, set[str]] = defaultdict(set)
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap, group_id=None, enable_auto_commit=False
        )
        partitions = await topic_partitions(self._bootstrap, self._topics)
        await consumer.start()
        consumer.assign(partitions)
        for tp, offset in (await consumer.end_offsets(partitions)).items():
            consumer.seek(tp, offset)
        self._consumer = consumer
        self._task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._consumer is not None
        while True:
            try:
                batches = await self._consumer.getmany(timeout_ms=300)
            except KafkaError:  # the broker is away: the consumer reconnects on the next call
                await asyncio.sleep(0.5)
                continue
            for records in batches.values():
                for record in records:
                    self._ingest(dict(record.headers), record.value)

    def _ingest(self, headers: dict[str, bytes], value: bytes | None) -> None:
        try:
            name = spec_for_type(headers["ce_type"].decode()).name
        except (KeyError, UnknownEventType):
            return
        if value is None:
            return
        body = json.loads(value)
        if body.get("edition_id") not in self.editions:
            return
        about = subject(name, body)
        if about is None:
            return
        self.events[(name, about)].add(headers["ce_id"].decode())
        if name == "ClusterSelected":
            self.selected[body["edition_id"]].add(body["application_id"])

    def count(self, name: str, about: str) -> int:
        return len(self.events.get((name, about), ()))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()


class MailSink:
    """An SMTP server (aiosmtpd) that counts messages per (recipient, template) and per
    notification key (the ``X-Academy-Notification`` header: one key is one message), and keeps
    what it received (recipients and raw message) for searching."""

    def __init__(self, port: int) -> None:
        self.by_recipient: Counter[tuple[str, str]] = Counter()
        self.by_key: Counter[str] = Counter()
        self.received: list[tuple[list[str], bytes]] = []
        self._controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        content = envelope.original_content or b""
        self.received.append((list(envelope.rcpt_tos), content))
        message = email.message_from_bytes(content, policy=email.policy.default)
        template = str(message.get("X-Academy-Template", ""))
        for recipient in envelope.rcpt_tos:
            self.by_recipient[(parseaddr(recipient)[1].lower(), template)] += 1
        self.by_key[str(message.get("X-Academy-Notification", ""))] += 1
        return "250 Message accepted for delivery"

    def count(self, recipient: str, template: str) -> int:
        return self.by_recipient[(recipient.lower(), template)]

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()


class GroupLag:
    """How many records on the topics the services' consumer groups have not committed yet,
    read from the broker (no service code): "settled" needs every group caught up, not only a
    quiet moment, since a loaded service can take minutes over its backlog. A group counts on a
    topic once it has committed past the scenario's start there (the topics it reads)."""

    def __init__(self, bootstrap: str, topics: list[str], groups: list[str]) -> None:
        self._bootstrap = bootstrap
        self._topics = topics
        self._groups = groups
        self._start: dict[TopicPartition, int] = {}

    async def mark_start(self) -> None:
        self._start = await self._ends()

    async def _ends(self) -> dict[TopicPartition, int]:
        partitions = await topic_partitions(self._bootstrap, self._topics)
        consumer = AIOKafkaConsumer(bootstrap_servers=self._bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            ends: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
            return ends
        finally:
            await consumer.stop()

    async def __call__(self) -> int | None:
        """The records behind, all groups together; None while the broker does not answer."""
        try:
            ends = await self._ends()
            admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap)
            await admin.start()
            try:
                behind = 0
                for group in self._groups:
                    committed = await admin.list_consumer_group_offsets(group)
                    read = {
                        tp.topic
                        for tp, meta in committed.items()
                        if meta.offset > self._start.get(tp, 0)
                    }
                    behind += sum(
                        end - (committed[tp].offset if tp in committed else 0)
                        for tp, end in ends.items()
                        if tp.topic in read
                    )
                return behind
            finally:
                await admin.close()
        except KafkaError:
            return None
