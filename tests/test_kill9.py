"""kill -9 during a stream of work (issue 12): each service in turn, then the broker, then the
store, is SIGKILLed while a few hundred submissions, check-ins, claims, approvals and a payment
go through the public HTTP APIs (the sessions' end makes documents issue the certificates),
and started again on the same port, database and consumer
group. Afterwards every request answered 2xx must have its effect downstream (its events on the
topics, its emails at the mail sink, its stored document) and none may be duplicated (two events
of one type about one thing under different ids, two emails of one template to one person).

Each scenario prints a row and rewrites the table in ``.cache/kill9/table.md`` (the services'
logs are next to it): operations (what a client wanted done, each retried after a transport error
or 5xx as a real client would, with the same idempotency key), requests (every HTTP attempt,
including an approval asked again while reimbursement has not yet learned the check-ins), 2xx,
lost (operations answered 2xx with an effect still missing once the system has settled),
duplicated (operations with an effect seen twice), emails sent twice (one notification key
delivered twice to the sink), and the time from the restart until every operation answered 2xx
before it had all its effects, and the machine's load average meanwhile. The five services run
as their own processes on a broker and store of this module's own (on ports
``ACADEMY_KILL9_PORT_BASE`` + 2 to + 15, a base of 29390 unless set), so killing those disturbs
no other test. ``ACADEMY_KILL9_SUBMISSIONS`` and ``ACADEMY_KILL9_CLUSTERS`` size the stream,
``ACADEMY_KILL9_TIMEOUT`` bounds each scenario; ``benchmarks/kill9.sh`` runs every scenario,
several at once on other ports."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, fields
from pathlib import Path

import httpx
import pytest

from academy_contracts.registry import Topic
from academy_local import servers
from tests.support import processes
from tests.support.ledger import Effect, Ledger, Operation
from tests.support.observe import (
    GroupLag,
    MailSink,
    TopicRecorder,
    start_at_the_end,
)
from tests.support.story import Clients, Cohort, Stream, set_up_cohort

# Minutes per scenario: run on its own with `make soak`, not in `make test` (README, Tests).
pytestmark = [pytest.mark.integration, pytest.mark.soak]

BASE = int(os.environ.get("ACADEMY_KILL9_PORT_BASE", "29390"))
# Named by its ports: runs at once on other ports (and other worktrees) keep their own state.
STACK = servers.Stack(
    f"kill{BASE}", kafka_port=BASE + 2, controller_port=BASE + 3, mongo_port=BASE + 4
)
MAIL_PORT = BASE + 10
PORTS = {
    "registration": BASE + 11,
    "selection": BASE + 12,
    "notification": BASE + 13,
    "reimbursement": BASE + 14,
    "documents": BASE + 15,
}
SUBMISSIONS = int(os.environ.get("ACADEMY_KILL9_SUBMISSIONS", "150"))
CLUSTERS = int(os.environ.get("ACADEMY_KILL9_CLUSTERS", "6"))
DOWN_SECONDS = 3.0
"""How long the killed component stays away: requests meet it gone."""
CAUGHT_UP_QUIET_SECONDS = 15.0
"""Settled: every consumer group has committed every record, and no event or email has appeared
for this long (the mail queue retries within 5 s here). What is missing then is lost, not late."""
STUCK_SECONDS = 180.0
"""Also settled (stuck): nothing at all has moved for this long, consumer lag included."""
SETTLE_LIMIT_SECONDS = 900.0
TIMEOUT_SECONDS = float(os.environ.get("ACADEMY_KILL9_TIMEOUT", "1200"))
"""One scenario's limit: a few hundred submissions on a loaded machine need more than 1200 s."""
OUT = Path(__file__).resolve().parents[1] / ".cache" / "kill9"
TOPICS = [
    Topic.EDITIONS,
    Topic.APPLICATIONS,
    Topic.SELECTION,
    Topic.ATTENDANCE,
    Topic.REIMBURSEMENT,
    Topic.DOCUMENTS,
]
TABLE: dict[str, str] = {}


@pytest.fixture(scope="module")
async def stack() -> AsyncIterator[servers.Stack]:
    servers.down(STACK, wipe=True)
    await servers.up(STACK)
    try:
        yield STACK
    finally:
        servers.down(STACK, wipe=True)


@dataclass
class System:
    services: dict[str, processes.ServiceProcess]
    clients: Clients
    recorder: TopicRecorder
    mail: MailSink
    lag: GroupLag
    uid: str


def _environment(stack: servers.Stack, service: str, uid: str) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": stack.kafka_bootstrap,
        "MONGODB_URI": stack.mongodb_uri,
        "ACADEMY_ENV": "development",
        "ACADEMY_DATABASE": f"k9_{service[:3]}_{uid}",
        "ACADEMY_CONSUMER_GROUP": f"k9-{service[:3]}-{uid}",
        "ACADEMY_LOG_LEVEL": "WARNING",
        "ACADEMY_OUTBOX_POLL_SECONDS": "0.2",
        "ACADEMY_SEED_FIRST_EDITION": "false",
        "ACADEMY_SMTP_HOST": "127.0.0.1",
        "ACADEMY_SMTP_PORT": str(MAIL_PORT),
        "ACADEMY_DISPATCH_POLL_SECONDS": "0.5",
        "ACADEMY_RETRY_BASE_SECONDS": "1",
        "ACADEMY_RETRY_MAX_SECONDS": "5",
        "ACADEMY_DIGEST_DAILY": "false",
    }


async def _system(
    stack: servers.Stack, scenario: str, exits: AsyncExitStack
) -> tuple[System, Cohort]:
    uid = uuid.uuid4().hex[:8]
    logs = OUT / scenario
    for log in logs.glob("*.log"):
        log.unlink()
    mail = MailSink(MAIL_PORT)
    mail.start()
    exits.callback(mail.stop)
    recorder = TopicRecorder(stack.kafka_bootstrap, [str(t) for t in TOPICS], set())
    await recorder.start()
    exits.push_async_callback(recorder.stop)
    topics = [str(t) for t in Topic]
    groups = [_environment(stack, name, uid)["ACADEMY_CONSUMER_GROUP"] for name in PORTS]
    lag = GroupLag(stack.kafka_bootstrap, topics, groups)
    await lag.mark_start()
    services = {}
    for name, port in PORTS.items():
        env = _environment(stack, name, uid)
        await start_at_the_end(stack.kafka_bootstrap, env["ACADEMY_CONSUMER_GROUP"])
        service = processes.ServiceProcess(name, port, env, logs / f"{name}.log")
        exits.callback(service.stop)
        services[name] = service
    await asyncio.gather(*(processes.start_service(s) for s in services.values()))
    made = {
        f.name: await exits.enter_async_context(
            httpx.AsyncClient(base_url=services[f.name].url, timeout=15)
        )
        for f in fields(Clients)
    }
    clients = Clients(**made)
    editions = {f"k{uid}a", f"k{uid}b"}
    recorder.editions.update(editions)
    cohort = await set_up_cohort(clients, uid, CLUSTERS, recorder.selected[f"k{uid}a"])
    return System(services, clients, recorder, mail, lag, uid), cohort


def _counter(system: System, documents: set[tuple[str, str]]) -> Callable[[Effect], int]:
    def count(effect: Effect) -> int:
        kind, first, second = effect
        if kind == "event":
            return system.recorder.count(first, second)
        if kind == "mail":
            return system.mail.count(first, second)
        return 1 if (first, second) in documents else 0

    return count


async def _stored_documents(system: System, cohort: Cohort) -> set[tuple[str, str]]:
    """The documents reimbursement lists for each participant (read after the stream). A read
    that fails (a connection dropped on a loaded machine) is left for the next look: the caller
    keeps what earlier reads found."""
    found = set()
    for m in cohort.members:
        try:
            answer = await system.clients.reimbursement.get(
                f"{m.path}/documents", headers={"X-Application-Token": m.token}
            )
        except httpx.TransportError:
            continue
        if answer.status_code == 200:
            found |= {(m.participant_id, d["document_id"]) for d in answer.json()}
    return found


Kill = Callable[[System, servers.Stack], None]
Restart = Callable[[System, servers.Stack], Awaitable[None]]


def _kill_service(name: str) -> tuple[Kill, Restart]:
    def kill(system: System, stack: servers.Stack) -> None:
        system.services[name].kill()

    async def restart(system: System, stack: servers.Stack) -> None:
        await processes.start_service(system.services[name])

    return kill, restart


SCENARIOS: dict[str, tuple[Kill, Restart]] = {
    "store": (
        lambda system, stack: processes.kill_store(stack),
        lambda system, stack: processes.restart_store(stack),
    ),
    "broker": (
        lambda system, stack: processes.kill_broker(stack),
        lambda system, stack: processes.restart_broker(stack),
    ),
    **{name: _kill_service(name) for name in PORTS},
}


def _row(
    scenario: str,
    ledger: Ledger,
    lost: int,
    duplicated: int,
    twice: int,
    whole: float | None,
    load: list[float],
) -> str:
    took = "never" if whole is None else f"{whole:.1f} s"
    return (
        f"| {scenario} | {SUBMISSIONS} | {len(ledger.operations)} | {ledger.requests} "
        f"| {ledger.answered_2xx} | {lost} | {duplicated} | {twice} | {took} "
        f"| {min(load):.0f} to {max(load):.0f} |"
    )


def _write_table() -> Path:
    """Rows of this run, merged with those other runs (other scenarios, run at once by
    ``benchmarks/kill9.sh`` on other ports) left in the file."""
    OUT.mkdir(parents=True, exist_ok=True)
    head = (
        "| killed | submissions | operations | requests | 2xx | lost | duplicated "
        "| emails sent twice | time to whole again | load average |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    path = OUT / "table.md"
    rows = {}
    if path.exists():
        for line in path.read_text().splitlines()[2:]:
            rows[line.split("|")[1].strip()] = line
    rows |= TABLE
    path.write_text(head + "\n".join(rows[k] for k in SCENARIOS if k in rows) + "\n")
    return path


def _describe(ops: list[Operation], count: Callable[[Effect], int]) -> str:
    return "; ".join(
        f"{op.kind} {op.label}: "
        + ", ".join(f"{e}={count(e)}" for e in op.effects if count(e) != 1)
        for op in ops[:8]
    )


async def _sample_load(into: list[float]) -> None:
    """The machine's 1-minute load average every 5 s: the table notes it beside each row."""
    while True:
        into.append(os.getloadavg()[0])
        await asyncio.sleep(5.0)


@pytest.mark.timeout(TIMEOUT_SECONDS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
async def test_kill9_loses_and_duplicates_nothing(stack: servers.Stack, scenario: str) -> None:
    kill, restart = SCENARIOS[scenario]
    load: list[float] = []
    sampler = asyncio.create_task(_sample_load(load))
    async with AsyncExitStack() as exits:
        exits.callback(sampler.cancel)
        system, cohort = await _system(stack, scenario, exits)
        ledger = Ledger(concurrency=6)
        stream = Stream(system.clients, cohort, ledger, system.uid, SUBMISSIONS)
        expected_ops = SUBMISSIONS + 5 * len(cohort.members) + 3  # the sessions' end, batch, pay
        loop = asyncio.get_running_loop()
        no_documents: set[tuple[str, str]] = set()
        events_only = _counter(system, no_documents)
        restarted: list[float] = []
        whole: list[float] = []

        async def fault() -> None:
            while ledger.requests < expected_ops * 0.3:  # noqa: ASYNC110 - a count, not an event
                await asyncio.sleep(0.1)
            kill(system, stack)
            await asyncio.sleep(DOWN_SECONDS)
            await restart(system, stack)
            restarted.append(loop.time())

            def documentless(effect: Effect) -> int:  # stored documents are read at the end
                return 1 if effect[0] == "document" else events_only(effect)

            while ledger.incomplete(documentless, acked_before=restarted[0]):  # noqa: ASYNC110
                await asyncio.sleep(0.5)
            whole.append(loop.time() - restarted[0])

        faults = asyncio.create_task(fault())
        await stream.run()
        while not restarted:  # a stream too short for the kill point fails here, not silently
            assert not faults.done(), faults.exception() or "the fault never happened"
            await asyncio.sleep(0.2)

        documents: set[tuple[str, str]] = set()
        count = _counter(system, documents)

        async def progress() -> tuple[int | None, ...]:
            documents.update(await _stored_documents(system, cohort))
            seen = sum(len(ids) for ids in system.recorder.events.values())
            missing = len(ledger.incomplete(count))
            return missing, await system.lag(), seen, sum(system.mail.by_key.values())

        await _settle(progress)
        await asyncio.sleep(3.0)  # a late duplicate has time to show
        faults.cancel()
        lost, duplicated = ledger.incomplete(count), ledger.duplicated(count)
        duplicated_mail = [k for k, n in system.mail.by_key.items() if n > 1]
        TABLE[scenario] = _row(
            scenario,
            ledger,
            len(lost),
            len(duplicated),
            len(duplicated_mail),
            whole[0] if whole else None,
            load,
        )
        table = _write_table()
        print(f"\n{table.read_text()}")
        kinds = sorted({op.kind for op in lost})
        print(f"lost ({scenario}): {len(lost)} {kinds} {_describe(lost, count)}")
        print(f"duplicated ({scenario}): {_describe(duplicated, count)} {duplicated_mail[:5]}")
        refused = [f"{op.kind} {op.label}: {op.status}" for op in ledger.refused()]
        print(f"never answered 2xx ({scenario}): {len(refused)} {refused[:10]}")
        assert not lost, (
            f"{len(lost)} operations answered 2xx without their effect ({kinds}): "
            f"{_describe(lost, count)}; logs in {OUT / scenario}"
        )
        assert not duplicated, f"duplicated: {_describe(duplicated, count)}"
        assert not duplicated_mail, f"emails sent twice: {duplicated_mail[:5]}"
        assert stream.payments, "the stream reached the payment"


async def _settle(progress: Callable[[], Awaitable[tuple[int | None, ...]]]) -> None:
    """Until nothing is missing, or the system has settled without it (see the constants)."""
    loop = asyncio.get_running_loop()
    limit = loop.time() + SETTLE_LIMIT_SECONDS
    last, changed_at = await progress(), loop.time()
    while last[0] and loop.time() < limit:
        quiet = loop.time() - changed_at
        if (last[1] == 0 and quiet >= CAUGHT_UP_QUIET_SECONDS) or quiet >= STUCK_SECONDS:
            return
        await asyncio.sleep(1.0)
        now = await progress()
        if now != last:
            last, changed_at = now, loop.time()
