"""Start, probe and stop the local Kafka broker and FerretDB for one named stack.

A stack ("dev" for running the system, "test" for the test suite) has its own ports and state
folder, so the suite never touches the data of a system an engineer is running by hand.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from academy_contracts.registry import all_topics
from academy_local import builds, processes
from academy_local.paths import cache_dir
from academy_local.probes import kafka_answers, mongo_answers


@dataclass(frozen=True)
class Stack:
    """Ports and state of one local Kafka + FerretDB pair."""

    name: str
    kafka_port: int
    controller_port: int
    mongo_port: int

    @property
    def partitions(self) -> int:
        """Partitions of each topic created from the registry (``ACADEMY_TOPIC_PARTITIONS``)."""
        return int(os.environ.get("ACADEMY_TOPIC_PARTITIONS", "3"))

    @property
    def state_dir(self) -> Path:
        return cache_dir() / "state" / self.name

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

    @property
    def mongodb_uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.mongo_port}/"


STACKS = {
    "dev": Stack("dev", kafka_port=9092, controller_port=9093, mongo_port=27017),
    "test": Stack("test", kafka_port=19092, controller_port=19093, mongo_port=27117),
}


def suite_stack(worker: str | None) -> Stack:
    """The test suite's stack. Each pytest-xdist worker (``gw0``, ``gw1``...) gets a stack of its
    own, ten ports above the previous one, so tests running in parallel never consume each
    other's events nor share a store; a run without workers uses the ``test`` stack."""
    base = STACKS["test"]
    if not worker or not worker.startswith("gw"):
        return base
    step = 10 * (int(worker.removeprefix("gw")) + 1)
    return Stack(
        f"test-{worker}",
        kafka_port=base.kafka_port + step,
        controller_port=base.controller_port + step,
        mongo_port=base.mongo_port + step,
    )


class ServerStartError(RuntimeError):
    """A server did not answer in time; the message points at its log."""


def _kafka_properties(stack: Stack, log_dir: Path) -> str:
    # Small and quick for one node: RF 1 everywhere, few internal partitions, no rebalance delay,
    # a small dedupe buffer (128 MB by default), and no topic auto-creation: topics come from
    # the contracts' registry.
    return "\n".join(
        [
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{stack.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{stack.kafka_port},"
            f"CONTROLLER://127.0.0.1:{stack.controller_port}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{stack.kafka_port}",
            "controller.listener.names=CONTROLLER",
            "inter.broker.listener.name=PLAINTEXT",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={log_dir}",
            f"num.partitions={stack.partitions}",
            "auto.create.topics.enable=false",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=3",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "transaction.state.log.num.partitions=3",
            "group.initial.rebalance.delay.ms=0",
            "log.cleaner.dedupe.buffer.size=8388608",
            "",
        ]
    )


_LOG4J = """log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
"""


def start_kafka(stack: Stack) -> None:
    """Start the broker unless it already runs; format its storage the first time."""
    state = stack.state_dir
    pid_file = state / "kafka.pid"
    if processes.running_pid(pid_file) is not None:
        return
    libs = builds.kafka_classpath()
    state.mkdir(parents=True, exist_ok=True)
    log_dir = state / "kafka-logs"
    props = state / "server.properties"
    props.write_text(_kafka_properties(stack, log_dir))
    log4j = state / "log4j.properties"
    log4j.write_text(_LOG4J)
    java = ["java", "-Xms256m", "-Xmx512m", f"-Dlog4j.configuration=file:{log4j}"]
    classpath = ["-cp", f"{libs}/*"]
    if not (log_dir / "meta.properties").exists():
        # Kafka's cluster id is a UUID in URL-safe base64 without padding (22 characters). It
        # may start with "-", so it is passed as "--cluster-id=…", never as a separate argument
        # (the tool's parser would read it as an option: 1 start in 64 failed that way).
        builds.run_tool(
            [
                *java,
                *classpath,
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b'=').decode()}",
                "-c",
                str(props),
                "--ignore-formatted",
            ],
            cwd=state,
        )
    processes.start_detached(
        [*java, "-XX:+UseG1GC", *classpath, "kafka.Kafka", str(props)],
        pid_file=pid_file,
        log_file=state / "kafka.log",
        cwd=state,
    )


def start_ferretdb(stack: Stack) -> None:
    """Start FerretDB on SQLite unless it already runs, from this code's build: one running from
    an earlier build (other patches) is stopped first, its data kept."""
    state = stack.state_dir
    pid_file = state / "ferretdb.pid"
    binary = builds.ferretdb_binary()
    pid = processes.running_pid(pid_file)
    if pid is not None:
        if Path(f"/proc/{pid}/exe").resolve() == binary.resolve():
            return
        processes.stop(pid_file)
    state.mkdir(parents=True, exist_ok=True)
    processes.start_detached(
        [
            str(binary),
            f"--listen-addr=127.0.0.1:{stack.mongo_port}",
            f"--sqlite-dir={state / 'ferretdb-data'}",
            # for measuring the store: its log level (debug logs every cursor opened and
            # closed), SQLite URI parameters (pragmas) and a pprof address
            f"--log-level={os.environ.get('ACADEMY_FERRETDB_LOG_LEVEL', 'warn')}",
            f"--sqlite-params={os.environ.get('ACADEMY_FERRETDB_SQLITE_PARAMS', '')}",
            f"--debug-addr={os.environ.get('ACADEMY_FERRETDB_DEBUG_ADDR', '')}",
        ],
        pid_file=pid_file,
        log_file=state / "ferretdb.log",
        cwd=state,
    )


async def create_topics(bootstrap: str, partitions: int) -> list[str]:
    """Create every topic of the contracts' registry that does not exist yet."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in all_topics() if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [NewTopic(t, num_partitions=partitions, replication_factor=1) for t in missing]
                )
        return missing
    finally:
        await admin.close()


async def start_at_the_end(bootstrap: str, group: str, topics: Iterable[str]) -> None:
    """Commit the topics' current end offsets for the consumer group ``group``, so a service
    started in it reads only what is sent from now on. A new group reads from the earliest
    offset: right for a service, but a test or a benchmark on a shared broker would replay every
    earlier run's events (minutes under load, and other tests' poison messages)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await admin.start()
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in await admin.describe_topics(list(topics))
            for partition in topic["partitions"]
        ]
        consumer.assign(partitions)
        await consumer.commit(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()
        await admin.close()


async def up(stack: Stack, *, wait_seconds: float = 120.0) -> None:
    """Start both servers (if needed), wait until each answers, and create the topics."""
    start_ferretdb(stack)
    start_kafka(stack)
    deadline = time.monotonic() + wait_seconds
    while not await mongo_answers(stack.mongodb_uri):
        _check_alive(stack, "ferretdb", deadline)
        await asyncio.sleep(0.2)
    while not await kafka_answers(stack.kafka_bootstrap):
        _check_alive(stack, "kafka", deadline)
        await asyncio.sleep(0.5)
    await create_topics(stack.kafka_bootstrap, stack.partitions)


def _check_alive(stack: Stack, server: str, deadline: float) -> None:
    log = stack.state_dir / f"{server}.log"
    if processes.running_pid(stack.state_dir / f"{server}.pid") is None:
        raise ServerStartError(f"{server} exited during start; see {log}")
    if time.monotonic() > deadline:
        raise ServerStartError(f"{server} did not answer in time; see {log}")


def down(stack: Stack, *, wipe: bool = False) -> list[str]:
    """Stop both servers (those running); with ``wipe``, delete their data too."""
    stopped = [
        server
        for server in ("kafka", "ferretdb")
        if processes.stop(stack.state_dir / f"{server}.pid")
    ]
    if wipe:
        shutil.rmtree(stack.state_dir, ignore_errors=True)
    return stopped


def is_running(stack: Stack) -> dict[str, int | None]:
    return {
        server: processes.running_pid(stack.state_dir / f"{server}.pid")
        for server in ("kafka", "ferretdb")
    }
