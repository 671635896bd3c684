"""The whole system for the page tests, as operators run it: each service its own process on
the real servers, a Maildir mail sink, and the web front pointed at them."""

from __future__ import annotations

import asyncio
import email
import email.header
import mailbox
import os
import re
import socket
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from academy_contracts.registry import all_topics
from academy_local import paths, servers

SERVICES = ("registration", "selection", "notification", "reimbursement", "documents")
AXE_VERSION = "4.14.1"
CHROMIUM = "/usr/bin/chromium"


@dataclass(frozen=True)
class System:
    web: str
    urls: dict[str, str]
    maildir: Path


def _wait_live(url: str, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 300
    while True:
        try:
            if httpx.get(f"{url}/health/live", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, f"{name} exited at start"
        assert time.monotonic() < deadline, f"{name} did not start"
        time.sleep(0.3)


def free_ports() -> Iterator[int]:
    """Ports nothing listens on, one per process: the system's choice each time, or, with
    ``ACADEMY_TEST_FIRST_PORT`` set (machines where each person has a range of ports), the free
    ones counting up from it."""
    candidate = int(os.environ.get("ACADEMY_TEST_FIRST_PORT", "0"))
    while True:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                candidate += 1
                continue
            port: int = sock.getsockname()[1]
        yield port
        if candidate:
            candidate = port + 1


def _wait_listening(port: int, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        assert process.poll() is None, f"{name} exited at start"
        assert time.monotonic() < deadline, f"{name} does not listen on {port}"
        time.sleep(0.2)


@contextmanager
def running(
    kafka: str, mongodb: str, uid: str, state: Path, *, web_env: dict[str, str] | None = None
) -> Iterator[System]:
    """Start everything; stop it all at the end, whatever happened. Every process takes a free
    port: fixed ones collided with outgoing connections in the ephemeral range, and with a
    second page-test module (or a second run) on the same machine. ``web_env``: the web front's
    extra settings."""
    maildir = state / "mail"
    ports = free_ports()
    web_port, mail_port = next(ports), next(ports)
    web = f"http://127.0.0.1:{web_port}"
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URI": mongodb,
        "ACADEMY_LOG_LEVEL": os.environ.get("ACADEMY_TEST_LOG_LEVEL", "WARNING"),
        "ACADEMY_SMTP_HOST": "127.0.0.1",
        "ACADEMY_SMTP_PORT": str(mail_port),
        "ACADEMY_LINK_BASE_URL": f"{web}/applications",
    }
    processes: list[subprocess.Popen[bytes]] = []
    try:
        sink = ["-n", "-l", f"127.0.0.1:{mail_port}", "-c", "aiosmtpd.handlers.Mailbox"]
        processes.append(
            subprocess.Popen([sys.executable, "-m", "aiosmtpd", *sink, str(maildir)], env=env)
        )
        _wait_listening(mail_port, processes[-1], "the mail sink")
        urls, started = {}, {}
        for name in SERVICES:
            # the services read what this module sends, not the shared broker's history;
            # started once here, before any function fixture
            asyncio.run(servers.start_at_the_end(kafka, f"t-web-{name}-{uid}", all_topics()))
            port = next(ports)
            service_env = {
                **env,
                "ACADEMY_HTTP_PORT": str(port),
                "ACADEMY_DATABASE": f"t_web_{name}_{uid}",
                "ACADEMY_CONSUMER_GROUP": f"t-web-{name}-{uid}",
            }
            code = f"from academy_{name}.entrypoints.main import main; main()"
            process = subprocess.Popen([sys.executable, "-c", code], env=service_env)
            processes.append(process)
            started[name] = process
            urls[name] = f"http://127.0.0.1:{port}"
        for name, url in urls.items():
            _wait_live(url, started[name], name)
        web_env = {
            **env,
            "ACADEMY_HTTP_PORT": str(web_port),
            **{f"ACADEMY_{name.upper()}_URL": url for name, url in urls.items()},
            **(web_env or {}),
        }
        code = "from academy_web.main import main; main()"
        process = subprocess.Popen([sys.executable, "-c", code], env=web_env)
        processes.append(process)
        _wait_live(web, process, "web")
        yield System(web, urls, maildir)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def mail_to(maildir: Path, address: str, subject_part: str, timeout: float = 300.0) -> str:
    """The text of the first message to ``address`` whose subject holds ``subject_part``, once
    the notification service has sent it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if maildir.exists():
            for message in mailbox.Maildir(maildir, factory=None, create=False):
                parsed = email.message_from_bytes(message.as_bytes())
                to = str(parsed.get("To", "")) + str(parsed.get("X-RcptTo", ""))
                if address in to and subject_part in str(
                    email.header.make_header(email.header.decode_header(parsed["Subject"]))
                ):
                    for part in parsed.walk():
                        if part.get_content_type() == "text/plain":
                            payload = part.get_payload(decode=True)
                            assert isinstance(payload, bytes)
                            return payload.decode(part.get_content_charset() or "utf-8")
        time.sleep(0.5)
    raise AssertionError(f"no message to {address} about {subject_part!r}")


def link_in(text: str, web: str) -> str:
    found = re.search(re.escape(web) + r"/applications/\S+", text)
    assert found, f"no link to the pages in: {text[:500]}"
    return found[0]


def axe_source() -> str:
    """axe-core's browser build, fetched once from the npm registry with ``npm pack`` into the
    (git-ignored) cache: it is run in the page, never shipped."""
    folder = paths.cache_dir() / "axe-core" / AXE_VERSION
    script = folder / "axe.min.js"
    if not script.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["npm", "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(folder)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        with tarfile.open(folder / f"axe-core-{AXE_VERSION}.tgz") as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            script.write_bytes(member.read())
    return script.read_text()
