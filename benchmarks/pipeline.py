"""Benchmark: applications through the real pipeline against the bare broker and store.

Starts its own Kafka + FerretDB (the ``bench`` stack, ports 39092/39093 and 37017), an SMTP sink
(39100) and registration, selection and notification (39101-39103), then:

1. baselines on that broker and store: bare aiokafka produce of N records the size of an
   ApplicationSubmitted, and bare aiokafka consume of them with one PyMongo insert each;
2. a burst (default): N applications POSTed by C concurrent clients; or, with ``--rate R
   --seconds S``, R applications a second for S seconds (open loop: a slow answer does not
   slow the sender), which says whether the system keeps up.

Each application is followed to selection's store (its screening instant, written in the same
write that stores it) and to the sink (its three "application received" emails). Reports the
accept rate, the time until all are stored and all emails are at the sink, latency percentiles
POST → stored and POST → email, the pipeline's rate as a ratio of the bare consume+insert
rate, and the CPU seconds each process spent (Kafka and FerretDB included).

    uv run python benchmarks/pipeline.py [--applications N] [--concurrency C]
    uv run python benchmarks/pipeline.py --rate 10 --seconds 60

Prints a report and writes it as JSON to benchmarks/results/pipeline-<mode>.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition
from pymongo import AsyncMongoClient
from stack import (
    BENCH,
    MailSink,
    System,
    application_form,
    edition_form,
    percentile,
    results_dir,
    run_id,
    services,
    staff_headers,
    start_servers,
    stop_servers,
)

from academy_contracts.registry import Topic
from academy_contracts.roles import Role

RECEIVED = "application_received"
SCREENED = b"org.euromed.academy.application.screened.v1"
EMAILS_PER_APPLICATION = 3


# --- baselines ------------------------------------------------------------------------------


async def bare_produce(topic: str, n: int, size: int) -> float:
    """Seconds to publish ``n`` records of ``size`` bytes (idempotent, acks=all, as the relay),
    sending all and then awaiting their acknowledgements."""
    producer = AIOKafkaProducer(bootstrap_servers=BENCH.kafka_bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        value = b"x" * size
        await producer.send_and_wait(topic, value, key=b"warm-up")  # metadata, connections
        start = time.perf_counter()
        futures = [await producer.send(topic, value, key=str(i).encode()) for i in range(n)]
        await asyncio.gather(*futures)
        return time.perf_counter() - start
    finally:
        await producer.stop()


async def bare_consume_insert(topic: str, n: int) -> float:
    """Seconds from the first record consumed to the ``n``-th stored, one insert per record
    awaited in turn (what a consumer that stores each event does), in a database of its own."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(BENCH.mongodb_uri)
    collection = client["bench_baseline"][topic.replace(".", "_")]
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=BENCH.kafka_bootstrap,
        group_id=f"{topic}-consumer",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        done, start = 0, 0.0
        while done < n:
            batches = await consumer.getmany(timeout_ms=1000)
            for records in batches.values():
                for record in records:
                    if not done:
                        start = time.perf_counter()
                    await collection.insert_one(
                        {"_id": f"{record.partition}-{record.offset}", "value": record.value}
                    )
                    done += 1
        return time.perf_counter() - start
    finally:
        await consumer.stop()
        await client.close()


async def baselines(n: int, size: int) -> dict[str, float]:
    topic = f"bench.baseline.{run_id()}"
    admin = AIOKafkaAdminClient(bootstrap_servers=BENCH.kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    produce = await bare_produce(topic, n, size)
    consume = await bare_consume_insert(topic, n + 1)
    return {"produce_per_s": n / produce, "consume_insert_per_s": n / consume}


# --- the pipeline ---------------------------------------------------------------------------


@dataclass
class Followed:
    """What one run learned of its applications: when each was posted, stored, emailed."""

    posted: dict[str, float] = field(default_factory=dict)
    recipients: dict[str, str] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    screened: set[str] = field(default_factory=set)
    all_stored_at: float | None = None


class ScreeningWatch:
    """Counts ApplicationScreened records of the run's applications on the applications topic,
    from its end at the start of the run: the run knows when everything is stored without
    querying the store it measures."""

    def __init__(self, followed: Followed) -> None:
        self._followed = followed
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=BENCH.kafka_bootstrap, enable_auto_commit=False, group_id=None
        )
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        assigned = [TopicPartition(Topic.APPLICATIONS, p) for p in range(BENCH.partitions)]
        self._consumer.assign(assigned)
        await self._consumer.seek_to_end(*assigned)
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            batches = await self._consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if dict(record.headers).get("ce_type") == SCREENED and record.key:
                        self._followed.screened.add(record.key.decode())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        await self._consumer.stop()


async def submit(
    client: httpx.AsyncClient, edition: str, n: int, run: str, followed: Followed
) -> None:
    form = application_form(edition, n, run)
    at = time.time()
    response = await client.post("/v1/applications", json=form, timeout=120)
    followed.statuses[response.status_code] = followed.statuses.get(response.status_code, 0) + 1
    if response.status_code == 201:
        application_id = response.json()["application_id"]
        followed.posted[application_id] = at
        for participant in form["participants"]:
            followed.recipients[participant["email"]] = application_id


async def wait_for(
    probe: Any, within: float, interval: float = 0.2, progress: Any = None
) -> float | None:
    """The instant ``probe()`` first held, or None after ``within`` seconds; every 30 s of
    waiting, ``progress()`` (what is still awaited) is printed, when given."""
    started = time.monotonic()
    deadline, told = started + within, started
    while time.monotonic() < deadline:
        if probe():
            return time.time()
        if progress is not None and time.monotonic() - told >= 30:
            told = time.monotonic()
            print(f"  ... {told - started:.0f} s: {progress()}", file=sys.stderr, flush=True)
        await asyncio.sleep(interval)
    return None


async def open_edition(system: System, edition: str) -> None:
    async with httpx.AsyncClient(base_url=system.url("registration")) as client:
        response = await client.post(
            "/v1/editions", json=edition_form(edition), headers=staff_headers(Role.ADMIN)
        )
        response.raise_for_status()


async def stored_instants(edition: str) -> dict[str, float]:
    """Selection's screening instant of each application of the edition (one read at the end)."""
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(BENCH.mongodb_uri)
    try:
        cursor = client["academy_selection"]["applications"].find(
            {"edition_id": edition}, {"screening.screened_at": 1}
        )
        return {
            doc["_id"]: datetime.fromisoformat(doc["screening"]["screened_at"]).timestamp()
            async for doc in cursor
            if doc.get("screening")
        }
    finally:
        await client.close()


def emailed_instants(sink: MailSink, followed: Followed) -> dict[str, float]:
    """When the last of each application's three emails reached the sink."""
    last: dict[str, list[float]] = {}
    for at, recipient, template in sink.arrivals:
        application_id = followed.recipients.get(recipient)
        if template == RECEIVED and application_id is not None:
            last.setdefault(application_id, []).append(at)
    return {a: max(times) for a, times in last.items() if len(times) >= EMAILS_PER_APPLICATION}


async def run_pipeline(
    system: System,
    sink: MailSink,
    *,
    applications: int,
    concurrency: int,
    rate: float | None,
    seconds: float,
    drain_timeout: float,
) -> dict[str, Any]:
    run = run_id()
    edition = f"bench-{run}"
    await open_edition(system, edition)
    followed = Followed()
    watch = ScreeningWatch(followed)
    await watch.start()
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=system.url("registration"), limits=limits) as client:
        # One application first, so every consumer has joined and every client is connected.
        warm = Followed()
        await submit(client, edition, -1, run, warm)
        await wait_for(lambda: sink.count(RECEIVED) >= EMAILS_PER_APPLICATION, 180)
        followed.recipients |= warm.recipients
        cpu_before, started = system.cpu(), time.time()
        if rate is None:
            gate = asyncio.Semaphore(concurrency)

            async def one(n: int) -> None:
                async with gate:
                    await submit(client, edition, n, run, followed)

            await asyncio.gather(*(one(n) for n in range(applications)))
        else:
            tasks = []
            for n in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, started + n / rate - time.time()))
                tasks.append(asyncio.create_task(submit(client, edition, n, run, followed)))
            await asyncio.gather(*tasks)
        posted_at = time.time()
    accepted = set(followed.posted)
    stored_at = await wait_for(
        lambda: accepted <= followed.screened,
        drain_timeout,
        progress=lambda: f"{len(accepted & followed.screened)} of {len(accepted)} stored",
    )
    warm_emails = EMAILS_PER_APPLICATION
    emails = warm_emails + EMAILS_PER_APPLICATION * len(accepted)
    emailed_at = await wait_for(
        lambda: sink.count(RECEIVED) >= emails,
        drain_timeout,
        progress=lambda: f"{sink.count(RECEIVED)} of {emails} emails at the sink",
    )
    finished = time.time()
    cpu_after = system.cpu()
    await watch.stop()
    stored = await stored_instants(edition)
    emailed = emailed_instants(sink, followed)
    to_store = [stored[a] - followed.posted[a] for a in accepted if a in stored]
    to_email = [emailed[a] - followed.posted[a] for a in accepted if a in emailed]
    sent = len(accepted) if rate is None else int(rate * seconds)

    def since_start(at: float | None) -> float | None:
        return None if at is None else at - started

    return {
        "mode": "burst" if rate is None else "steady",
        "applications": sent,
        "concurrency": concurrency if rate is None else None,
        "rate_per_s": rate,
        "seconds": seconds if rate is not None else None,
        "statuses": followed.statuses,
        "accepted": len(accepted),
        "accept_rate_per_s": len(accepted) / (posted_at - started),
        "all_posted_s": posted_at - started,
        "all_stored_s": since_start(stored_at),
        "all_emailed_s": since_start(emailed_at),
        "stored": len(to_store),
        "emailed": len(to_email),
        "post_to_stored_s": {f"p{p}": percentile(to_store, p) for p in (50, 90, 99)},
        "post_to_email_s": {f"p{p}": percentile(to_email, p) for p in (50, 90, 99)},
        "cpu_seconds": {
            name: round(cpu_after.get(name, 0.0) - cpu_before.get(name, 0.0), 2)
            for name in cpu_after
        },
        "wall_seconds": finished - started,
    }


def report(result: dict[str, Any], bare: dict[str, float]) -> str:
    lines = [f"mode {result['mode']}: {result['applications']} applications"]
    if result["mode"] == "burst":
        lines[0] += f", {result['concurrency']} concurrent clients"
    else:
        lines[0] += f" at {result['rate_per_s']}/s for {result['seconds']} s"
    n = result["accepted"]

    def at(key: str) -> str:
        value = result[key]
        return "not within the drain timeout" if value is None else f"{value:.1f} s"

    stored_rate = n / result["all_stored_s"] if result["all_stored_s"] else None
    emailed_rate = n / result["all_emailed_s"] if result["all_emailed_s"] else None
    lines += [
        f"  HTTP answers {result['statuses']}; accepted {n} at "
        f"{result['accept_rate_per_s']:.1f}/s (all posted after {result['all_posted_s']:.1f} s)",
        f"  all stored by selection after {at('all_stored_s')}; "
        f"all {EMAILS_PER_APPLICATION * n} emails at the sink after {at('all_emailed_s')}",
        "  POST -> stored  p50 {p50:.2f} s  p90 {p90:.2f} s  p99 {p99:.2f} s".format(
            **result["post_to_stored_s"]
        )
        + f"  ({result['stored']} of {n})",
        "  POST -> email   p50 {p50:.2f} s  p90 {p90:.2f} s  p99 {p99:.2f} s".format(
            **result["post_to_email_s"]
        )
        + f"  ({result['emailed']} of {n})",
        f"  bare produce {bare['produce_per_s']:.0f}/s, bare consume+insert "
        f"{bare['consume_insert_per_s']:.0f}/s",
    ]
    consume = bare["consume_insert_per_s"]
    for label, rate in (("stored", stored_rate), ("emailed", emailed_rate)):
        if rate is None:
            lines.append(f"  pipeline {label}: did not finish, no ratio")
        else:
            lines.append(
                f"  pipeline {label} {rate:.1f}/s = {rate / consume:.3f}x bare consume+insert"
                f", {rate / bare['produce_per_s']:.4f}x bare produce"
            )
    if result["mode"] == "steady":
        p99 = result["post_to_email_s"]["p99"]
        kept_up = result["emailed"] == n and p99 < 2.0
        lines.append(f"  keeps up (every email, p99 POST -> email < 2 s): {kept_up}")
    cpu = ", ".join(f"{k} {v:.1f}" for k, v in sorted(result["cpu_seconds"].items()))
    lines.append(f"  CPU seconds during the run ({result['wall_seconds']:.0f} s wall): {cpu}")
    return "\n".join(lines)


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    bare = await baselines(args.baseline_records, args.record_size)
    with MailSink(BENCH.smtp_port) as sink:
        async with services() as system:
            result = await run_pipeline(
                system,
                sink,
                applications=args.applications,
                concurrency=args.concurrency,
                rate=args.rate,
                seconds=args.seconds,
                drain_timeout=args.drain_timeout,
            )
    return {"bare": bare, "pipeline": result}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=500, help="burst size")
    parser.add_argument("--concurrency", type=int, default=20, help="concurrent HTTP clients")
    parser.add_argument("--rate", type=float, help="steady mode: applications per second")
    parser.add_argument("--seconds", type=float, default=60, help="steady mode: how long")
    parser.add_argument("--drain-timeout", type=float, default=600, help="give up after (s)")
    parser.add_argument("--baseline-records", type=int, default=5000)
    parser.add_argument("--record-size", type=int, default=1400, help="bytes, as an event")
    parser.add_argument("--keep-servers", action="store_true", help="leave the stack running")
    args = parser.parse_args()
    try:
        start_servers(wipe=True)
        figures = asyncio.run(measure(args))
    finally:
        if not args.keep_servers:
            stop_servers()
    mode = figures["pipeline"]["mode"]
    (results_dir() / f"pipeline-{mode}.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(report(figures["pipeline"], figures["bare"]))


if __name__ == "__main__":
    main()
