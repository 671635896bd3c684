"""One writer per database on FerretDB (issue 12): a second replica of a service cannot take the
writer lease while the first holds it, in another process or in the same one, and refuses to
start with a clear message; a clean stop frees it at once, a dead holder's lease expires."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from academy_kit import health
from academy_kit.lease import COLLECTION, PART, LeaseHeld, WriterLease, needs_lease
from academy_kit.mongo import Document
from academy_registration.entrypoints.main import create_app
from academy_registration.settings import RegistrationSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def leases(servers: Any, uid: str) -> Any:
    client: AsyncMongoClient[Document] = AsyncMongoClient(servers.mongodb_uri, tz_aware=True)
    yield client[f"t_lease_{uid}"][COLLECTION]
    await client.close()


async def test_the_store_is_ferretdb_so_a_lease_is_needed(leases: Any) -> None:
    assert needs_lease(await leases.database.client.admin.command("buildInfo"))
    assert not needs_lease(
        {"version": "7.0.14", "gitVersion": "ce59cfc6a3c5e5c067dca0d30697edd68d4f5188", "ok": 1.0}
    )


async def test_of_racing_replicas_exactly_one_takes_the_lease(leases: Any) -> None:
    contenders = [WriterLease(leases, f"replica-{n}", timedelta(seconds=30)) for n in range(20)]
    outcomes = await asyncio.gather(*(c.take() for c in contenders))
    winners = [c for c, held_by in zip(contenders, outcomes, strict=True) if held_by is None]
    assert len(winners) == 1
    assert {o["holder"] for o in outcomes if o is not None} == {winners[0].holder}


async def test_a_dead_holders_lease_expires_and_it_learns_it_lost_it(
    leases: Any, eventually: Any
) -> None:
    frozen = WriterLease(leases, "frozen", timedelta(seconds=0.5))
    assert await frozen.take() is None
    successor = WriterLease(leases, "successor", timedelta(seconds=30))
    with pytest.raises(LeaseHeld, match=r"written by another replica \(frozen\)"):
        await successor.acquire(wait=timedelta(0))
    await successor.acquire(wait=timedelta(seconds=5))  # once the frozen one's lease expired
    assert successor.generation == frozen.generation + 1
    assert not await frozen.renew()
    status = health.Health("lease-test")
    with health.scope(status):
        await asyncio.wait_for(frozen.keep(), timeout=5)  # returns once it sees the newer one
    assert "another replica took the writer lease" in status.stuck()[PART]


async def test_a_second_replica_in_another_process_refuses_to_start(
    service_settings: Any, run_app: Any, free_port: Any
) -> None:
    settings = service_settings(RegistrationSettings)
    async with run_app(create_app(settings)) as first:
        assert (await first.get("/health/live")).status_code == 200
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
            "MONGODB_URI": settings.mongodb_uri,
            "ACADEMY_DATABASE": settings.database_name,
            "ACADEMY_CONSUMER_GROUP": settings.group_id,
            "ACADEMY_HTTP_PORT": str(free_port()),
            "ACADEMY_ENV": "development",
            "ACADEMY_WRITER_LEASE_WAIT_SECONDS": "1",
        }
        second = await asyncio.to_thread(
            subprocess.run,
            [str(Path(sys.executable).parent / "academy-registration")],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert second.returncode != 0
    assert f"LeaseHeld: database {settings.database_name} is written by another" in second.stderr
    assert "run one replica of a service on FerretDB" in second.stderr


async def test_a_second_replica_in_the_same_process_refuses_and_a_clean_stop_frees_the_lease(
    service_settings: Any, run_app: Any
) -> None:
    settings = service_settings(RegistrationSettings, writer_lease_wait_seconds=0.5)
    async with run_app(create_app(settings)):
        with pytest.raises(LeaseHeld):
            async with run_app(create_app(settings)):
                pass
    quick = settings.model_copy(update={"writer_lease_wait_seconds": 0})
    async with run_app(create_app(quick)) as restarted:  # no wait: the first released it
        assert (await restarted.get("/health/live")).status_code == 200
