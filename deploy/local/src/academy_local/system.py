"""Run the whole system locally: the servers (unless the environment names existing ones), a
mail sink, the five services and the web pages as child processes, each on its own port, until
interrupted. The notification service's private links point at the web pages.

The mail sink is aiosmtpd on 127.0.0.1:1025 writing every message the notification service
sends into a Maildir under the cache folder, so the bilingual messages can be read without a
real mail server; ``ACADEMY_SMTP_HOST`` names a real one instead."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from academy_local import paths, servers

SERVICES = {
    "registration": 8001,
    "selection": 8002,
    "notification": 8003,
    "reimbursement": 8004,
    "web": 8005,
    "documents": 8006,
}
WEB_PAGES = f"http://127.0.0.1:{SERVICES['web']}"


def _ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/ready", timeout=5) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run(stack: servers.Stack, wait_seconds: float = 90.0) -> int:
    env = dict(os.environ)
    # The local system runs on the built-in secrets, which services refuse outside development.
    env.setdefault("ACADEMY_ENV", "development")
    if not (env.get("KAFKA_BOOTSTRAP_SERVERS") and env.get("MONGODB_URI")):
        asyncio.run(servers.up(stack))
        env["KAFKA_BOOTSTRAP_SERVERS"] = stack.kafka_bootstrap
        env["MONGODB_URI"] = stack.mongodb_uri
    print(f"kafka     {env['KAFKA_BOOTSTRAP_SERVERS']}")
    print(f"mongodb   {env['MONGODB_URI']}")
    bin_dir = Path(sys.executable).parent
    children: dict[str, subprocess.Popen[bytes]] = {}
    if not env.get("ACADEMY_SMTP_HOST"):
        maildir = paths.cache_dir() / "state" / stack.name / "mail"
        maildir.parent.mkdir(parents=True, exist_ok=True)  # Maildir makes its own tmp/new/cur
        sink = ["-n", "-l", "127.0.0.1:1025", "-c", "aiosmtpd.handlers.Mailbox", str(maildir)]
        children["mail"] = subprocess.Popen([sys.executable, "-m", "aiosmtpd", *sink])  # noqa: S603
        print(f"mail      smtp://127.0.0.1:1025 -> {maildir}")
    env.setdefault("ACADEMY_LINK_BASE_URL", f"{WEB_PAGES}/applications")
    for name, port in SERVICES.items():
        child_env = {**env, "ACADEMY_HTTP_PORT": str(port)}
        children[name] = subprocess.Popen([str(bin_dir / f"academy-{name}")], env=child_env)  # noqa: S603
    stop = False

    def _interrupt(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        deadline = time.monotonic() + wait_seconds
        pending = dict(SERVICES)
        while pending and not stop:
            for name, port in list(pending.items()):
                if children[name].poll() is not None:
                    print(f"{name} exited with {children[name].returncode}", file=sys.stderr)
                    return 1
                if _ready(port):
                    page = "/" if name == "web" else "/docs"
                    print(f"{name:13} http://127.0.0.1:{port}{page}  (ready)")
                    del pending[name]
            if time.monotonic() > deadline:
                print(f"not ready in {wait_seconds:.0f} s: {', '.join(pending)}", file=sys.stderr)
                return 1
            time.sleep(0.5)
        if not stop:
            print("the Academy is running; Ctrl-C stops the services (make down stops the servers)")
        while not stop and all(c.poll() is None for c in children.values()):
            time.sleep(0.5)
        return 0 if stop else 1
    finally:
        for child in children.values():
            if child.poll() is None:
                child.terminate()
        for child in children.values():
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
