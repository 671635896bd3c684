"""Reimbursement's fixtures: the running service on the real servers, and a way to enrol a
cohort by putting selection's, registration's and check-in's events on the real topics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import httpx
import pytest
from fastapi import FastAPI

from academy_reimbursement.entrypoints.main import create_app
from academy_reimbursement.handlers.ports import CohortStore
from academy_reimbursement.settings import ReimbursementSettings

from .support.cohort import MAX_DOCUMENT_BYTES, Cohort
from .support.service import CONSUMED


@pytest.fixture
async def service(
    service_settings: Any, run_app: Any, start_at_the_end: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """The running reimbursement service reading only the events sent from now on;
    ``client.app`` is the app."""
    settings = service_settings(ReimbursementSettings, max_document_bytes=MAX_DOCUMENT_BYTES)
    await start_at_the_end(settings, [t.value for t in CONSUMED])
    app: FastAPI = create_app(settings)
    async with run_app(app) as client:
        client.app = app
        yield client


def cohort_store(service: httpx.AsyncClient) -> CohortStore:
    """The store the running service keeps what it learned from events in."""
    store: CohortStore = service.app.state.claimants.cohort  # type: ignore[attr-defined]
    return store


class Enrol(Protocol):
    async def __call__(self, attended: tuple[str, ...] = ("s1", "s2")) -> Cohort: ...


@pytest.fixture
def enrol(service: httpx.AsyncClient, send: Any, eventually: Any, uid: str) -> Enrol:
    """Publish an edition whose sessions are over and select a cluster for it; ``attended``
    says which sessions (default: all) each participant was checked in at. Waits until the
    service knows all of it."""
    store = cohort_store(service)

    async def enrol(attended: tuple[str, ...] = ("s1", "s2")) -> Cohort:
        cohort = Cohort(f"ed-{uid}")
        check_ins = [cohort.attended(p, s) for p in cohort.participant_ids for s in attended]
        await send(cohort.edition(), cohort.selected(), *check_ins)
        await eventually(lambda: store.sessions(cohort.edition_id))
        for pid in cohort.participant_ids:
            await eventually(lambda p=pid: store.claimant(cohort.application_id, p))
            await eventually(lambda p=pid: _attended_all(store, cohort, p, set(attended)))
        return cohort

    return enrol


async def _attended_all(
    store: CohortStore, cohort: Cohort, participant_id: str, want: set[str]
) -> bool:
    return want <= await store.attended(cohort.edition_id, participant_id)


@pytest.fixture
def finance(staff_headers: Any) -> dict[str, str]:
    headers: dict[str, str] = staff_headers("finance")
    return headers
