"""The running system the pipeline and scale benchmarks measure: a Kafka + FerretDB stack of
their own (``bench``, on ports apart from the dev and test stacks), an SMTP sink that records
when each message arrives, and registration, selection and notification as child processes.

Also the CPU clock of every process involved, read from ``/proc/<pid>/stat``, so a run can say
which process did the work (the store included)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings
from academy_local import samples, servers


@dataclass
class Bench:
    """Where one benchmark's system runs: its servers, its SMTP sink and its services' ports."""

    stack: servers.Stack
    smtp_port: int
    services: dict[str, int]

    @property
    def kafka_bootstrap(self) -> str:
        return self.stack.kafka_bootstrap

    @property
    def mongodb_uri(self) -> str:
        return self.stack.mongodb_uri

    @property
    def partitions(self) -> int:
        return self.stack.partitions

    def use(self, other: Bench) -> None:
        """Run on ``other``'s ports instead (a second benchmark beside a running one)."""
        self.stack, self.smtp_port, self.services = other.stack, other.smtp_port, other.services


def _pipeline_bench() -> Bench:
    """The pipeline's ports, or, with ``ACADEMY_BENCH_PORT_BASE=P``, a stack of its own named
    ``bench-P`` on P..P+2 (sink P+10, services P+11..P+13): engineers sharing a machine each
    run the benchmark on their own ports and state folder."""
    base = os.environ.get("ACADEMY_BENCH_PORT_BASE")
    if not base:
        return Bench(
            servers.Stack("bench", kafka_port=39092, controller_port=39093, mongo_port=37017),
            smtp_port=39100,
            services={"registration": 39101, "selection": 39102, "notification": 39103},
        )
    p = int(base)
    return Bench(
        servers.Stack(f"bench-{p}", kafka_port=p, controller_port=p + 1, mongo_port=p + 2),
        smtp_port=p + 10,
        services={"registration": p + 11, "selection": p + 12, "notification": p + 13},
    )


PIPELINE = _pipeline_bench()
SCALE = Bench(
    servers.Stack("bench-scale", kafka_port=39192, controller_port=39193, mongo_port=39194),
    smtp_port=39120,
    services={"registration": 39121, "selection": 39122, "notification": 39123},
)
BENCH = Bench(PIPELINE.stack, PIPELINE.smtp_port, PIPELINE.services)
"""The ports in use: the pipeline's unless a benchmark chose others with ``BENCH.use``."""
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


class MailSink:
    """aiosmtpd in a thread: keeps when each message reached it, by recipient and template."""

    def __init__(self, port: int) -> None:
        self.arrivals: list[tuple[float, str, str]] = []
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        at = time.time()
        raw = envelope.content or b""
        message: Message = BytesParser().parsebytes(raw.encode() if isinstance(raw, str) else raw)
        template = str(message.get("X-Academy-Template", ""))
        with self._lock:
            self.arrivals += [(at, rcpt.lower(), template) for rcpt in envelope.rcpt_tos]
        return "250 OK"

    def count(self, template: str) -> int:
        with self._lock:
            return sum(1 for _, _, t in self.arrivals if t == template)

    def __enter__(self) -> MailSink:
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()


@dataclass
class System:
    """The servers' and services' processes of one run, and how to reach them."""

    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def kafka(self) -> str:
        return BENCH.kafka_bootstrap

    @property
    def mongodb_uri(self) -> str:
        return BENCH.mongodb_uri

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{BENCH.services[service]}"

    def pids(self) -> dict[str, int]:
        found = {
            server: pid
            for server, pid in servers.is_running(BENCH.stack).items()
            if pid is not None
        }
        found |= {name: child.pid for name, child in self.children.items()}
        found["benchmark"] = os.getpid()
        return found

    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids().items()}


def staff_headers(*roles: Role) -> dict[str, str]:
    token = mint(ServiceSettings(), "bench@localhost", list(roles), timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


def start_servers(*, wipe: bool) -> None:
    """The bench stack, fresh unless ``wipe`` is False."""
    if wipe:
        servers.down(BENCH.stack, wipe=True)
    asyncio.run(servers.up(BENCH.stack))


def stop_servers() -> None:
    servers.down(BENCH.stack, wipe=True)


async def _ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/health/ready", timeout=5)).status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.asynccontextmanager
async def services(env: dict[str, str] | None = None) -> AsyncIterator[System]:
    """Registration, selection and notification against the bench stack, ready, until the block
    ends; their logs go to the bench stack's state folder."""
    system = System()
    bin_dir = Path(sys.executable).parent
    logs = BENCH.stack.state_dir / "services"
    logs.mkdir(parents=True, exist_ok=True)
    base = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": BENCH.kafka_bootstrap,
        "MONGODB_URI": BENCH.mongodb_uri,
        "ACADEMY_SMTP_HOST": "127.0.0.1",
        "ACADEMY_SMTP_PORT": str(BENCH.smtp_port),
        "ACADEMY_LOG_LEVEL": "WARNING",
        "ACADEMY_SEED_FIRST_EDITION": "false",
        # The bench's own secrets are the development ones, and its clients post from one
        # address faster than the anonymous-write limit allows a person.
        "ACADEMY_ENV": "development",
        "ACADEMY_ANONYMOUS_WRITES_PER_MINUTE": "0",
        **(env or {}),
    }
    try:
        for name, port in BENCH.services.items():
            with (logs / f"{name}.log").open("ab") as log:
                system.children[name] = subprocess.Popen(  # noqa: S603, ASYNC220 - our own entry points, at setup
                    [str(bin_dir / f"academy-{name}")],
                    env={**base, "ACADEMY_HTTP_PORT": str(port)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 300
            for name in BENCH.services:
                while not await _ready(client, system.url(name)):
                    if system.children[name].poll() is not None:
                        raise RuntimeError(f"{name} exited; see {logs / name}.log")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"{name} not ready; see {logs / name}.log")
                    await asyncio.sleep(0.3)
        yield system
    finally:
        for child in system.children.values():
            child.terminate()
        for child in system.children.values():
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()


def edition_form(edition_id: str) -> dict[str, Any]:
    """The sample edition, titled for the bench, with room for a whole run's clusters."""
    title = {"fr": "Académie des clusters (banc)", "en": "Cluster Academy (bench)"}
    return samples.edition_form(edition_id, title=title, capacity=70)


COUNTRIES = ("DZ", "EG", "JO", "LB", "MA", "PS", "TN")
SECTORS = ("health", "aeronautics_mechanics", "maritime_logistics", "energy_environment")


def application_form(edition_id: str, n: int, run: str) -> dict[str, Any]:
    """Application ``n`` of a run: its own cluster and participants' addresses, so every email
    at the sink names the application it is for."""
    return {
        "edition_id": edition_id,
        "cluster": {
            "name": f"Cluster {run} {n}",
            "country": COUNTRIES[n % len(COUNTRIES)],
            "sector": SECTORS[n % len(SECTORS)],
            "eccp_id": f"eccp-{run}-{n}",
            "eccp_profile_url": f"https://clustercollaboration.eu/cluster-organisations/{run}-{n}",
        },
        "participants": [
            {
                "role": role,
                "full_name": f"Person {k} of {n}",
                "email": f"p{k}-{n}-{run}@bench.example",
                "language": "fr" if k % 2 else "en",
            }
            for k, role in enumerate(("cluster_manager", "board_member", "board_member"))
        ],
        "motivations": "Grow our value chain with Euro-Mediterranean partners.",
        "expectations": "Governance and innovation methods; partners in Aix-Marseille.",
        "can_advance_costs": True,
        "commits_to_attend": True,
    }


def run_id() -> str:
    return uuid.uuid4().hex[:6]


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile; NaN when there is nothing to rank."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def results_dir() -> Path:
    path = Path(__file__).parent / "results"
    path.mkdir(exist_ok=True)
    return path
