"""Admissions to check-in, learned from selection: ClusterSelected admits a cluster's
participants, a later ClusterRejected (offer declined or lapsed) revokes the admission."""

from __future__ import annotations

from dataclasses import dataclass

from academy_contracts.envelope import Envelope
from academy_contracts.events import ClusterRejected, ClusterSelected
from academy_registration.domain.attendance import admission
from academy_registration.handlers.ports import AdmissionStore


@dataclass(frozen=True)
class Admissions:
    store: AdmissionStore

    async def admit(self, envelope: Envelope[ClusterSelected]) -> None:
        await self.store.record(admission(envelope.data))

    async def revoke(self, envelope: Envelope[ClusterRejected]) -> None:
        await self.store.record(admission(envelope.data))
