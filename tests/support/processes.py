"""The services as operating-system processes (their console scripts, as operators run
them), and the private broker and store, each of which the kill -9 test can SIGKILL and start
again on the same port, database and consumer group."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from academy_local import processes, servers
from academy_local.probes import kafka_answers, mongo_answers


@dataclass
class ServiceProcess:
    """One service: started with its environment, output appended to its log across restarts."""

    name: str
    port: int
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        script = Path(sys.executable).parent / f"academy-{self.name}"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(script)],
                env={**os.environ, **self.env, "ACADEMY_HTTP_PORT": str(self.port)},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when a machine or container dies."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    async def live(self) -> bool:
        """Whether it answers its liveness probe now."""
        async with httpx.AsyncClient(timeout=2) as client:
            try:
                return (await client.get(f"{self.url}/health/live")).status_code == 200
            except httpx.TransportError:
                return False

    async def wait_live(self, timeout: float = 90.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not await self.live():
            assert self.process is not None
            assert self.process.poll() is None, f"{self.name} exited; see {self.log}"
            assert loop.time() < deadline, f"{self.name} not live in {timeout} s"
            await asyncio.sleep(0.2)


def _sigkill(pid_file: Path) -> None:
    pid = processes.running_pid(pid_file)
    assert pid is not None, f"nothing runs from {pid_file}"
    os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):  # our child when this process started it
        os.waitpid(pid, 0)


def kill_broker(stack: servers.Stack) -> None:
    _sigkill(stack.state_dir / "kafka.pid")


def kill_store(stack: servers.Stack) -> None:
    _sigkill(stack.state_dir / "ferretdb.pid")


async def restart_broker(stack: servers.Stack, timeout: float = 600.0) -> None:
    """Kafka recovers its logs after a SIGKILL: over 180 s at a load average of 80."""
    await _restart(
        lambda: servers.start_kafka(stack),
        lambda: processes.running_pid(stack.state_dir / "kafka.pid") is not None,
        lambda: kafka_answers(stack.kafka_bootstrap),
        timeout,
        "kafka",
    )


async def restart_store(stack: servers.Stack, timeout: float = 300.0) -> None:
    await _restart(
        lambda: servers.start_ferretdb(stack),
        lambda: processes.running_pid(stack.state_dir / "ferretdb.pid") is not None,
        lambda: mongo_answers(stack.mongodb_uri),
        timeout,
        "ferretdb",
    )


async def start_service(service: ServiceProcess, timeout: float = 120.0) -> None:
    """Start (or start again) until it is live; see :func:`_restart` for why more than once."""
    await _restart(
        service.start,
        lambda: service.process is not None and service.process.poll() is None,
        service.live,
        timeout,
        service.name,
    )


async def _restart(
    start: Callable[[], None],
    alive: Callable[[], bool],
    answers: Callable[[], Awaitable[bool]],
    timeout: float,
    what: str,
) -> None:
    """Start, and start again while the server exits before it answers. The test's ports lie in
    the ephemeral range (32768-60999 here), so a port can be taken as the local end of an
    outgoing connection: any process's, or a client of the killed server reconnecting to it (a
    TCP self-connect). The server then fails to bind ("Address already in use": a kafka restart
    and a first start of selection failed so on the shared machine) until that connection
    closes."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        start()
        while alive():
            if await answers():
                return
            assert loop.time() < deadline, f"{what} did not answer in {timeout} s"
            await asyncio.sleep(0.3)
        assert loop.time() < deadline, f"{what} kept exiting at start for {timeout} s"
        await asyncio.sleep(1.0)
