"""Submitting an application: validate, record it with its event, wake the relay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from academy_contracts.envelope import Envelope
from academy_contracts.events import ApplicationSubmitted
from academy_kit import logs
from academy_kit.outbox import OutboxRelay
from academy_registration.adapters.store import ApplicationStore
from academy_registration.domain.applications import ApplicationForm, submit


async def submit_application(
    form: ApplicationForm, *, store: ApplicationStore, relay: OutboxRelay, source: str
) -> ApplicationSubmitted:
    event = submit(
        form,
        application_id=str(uuid.uuid4()),
        participant_ids=[str(uuid.uuid4()) for _ in form.participants],
        now=datetime.now(UTC),
    )
    await store.add(Envelope(data=event, source=source, correlation_id=logs.correlation_id.get()))
    relay.kick()
    return event
