"""Erasure of people at an admin's request: registration, where personal data enters the
system, records the request as PersonalDataErased in the application's outbox; every service,
registration included, anonymises the people when it consumes it (:mod:`academy_kit.erasure`),
and its tombstone keeps them erased."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from academy_contracts.events import PersonalDataErased
from academy_kit import outbox
from academy_kit.clock import now
from academy_registration.domain.erasure import erase
from academy_registration.domain.failures import ApplicationNotFound
from academy_registration.handlers.ports import ApplicationStore, Relay


@dataclass(frozen=True)
class Erasures:
    store: ApplicationStore
    relay: Relay
    source: str

    async def erase(self, application_id: str, participant_ids: list[str]) -> PersonalDataErased:
        application = await self.store.get(application_id)
        if application is None:
            raise ApplicationNotFound(application_id)
        event = erase(application, participant_ids, erasure_id=str(uuid.uuid4()), now=now())
        await self.store.record(application_id, outbox.envelope(event, self.source))
        self.relay.kick(self.store.collection, application_id)
        return event
