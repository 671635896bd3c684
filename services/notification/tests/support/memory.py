"""In-memory stand-ins for the notification's stores, for the fast tier: each keeps its
documents in a dict and does what the real store promises (insert once per key, report what is
known), so handlers run without a database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from academy_contracts.events import EditionPublished
from academy_kit.mongo import Document
from academy_notification.domain.claims import ClaimFacts
from academy_notification.domain.drafting import Team


@dataclass
class MemoryMessages:
    """The messages recorded, by key (satisfies ``recording.MessageRecords``)."""

    docs: dict[str, Document] = field(default_factory=dict)
    reads: int = 0
    """How many times ``known`` was asked."""

    async def known(self, ids: list[str]) -> set[str]:
        self.reads += 1
        return {i for i in ids if i in self.docs}

    async def record(self, docs: list[Document]) -> int:
        new = [doc for doc in docs if doc["_id"] not in self.docs]
        self.docs.update({doc["_id"]: doc for doc in new})
        return len(new)


@dataclass
class MemoryKnowledge:
    """Teams, editions and claims the service knows (satisfies ``recording.Knowledge``)."""

    teams: dict[str, Team] = field(default_factory=dict)
    editions: dict[str, EditionPublished] = field(default_factory=dict)
    claims: dict[str, ClaimFacts] = field(default_factory=dict)

    async def team(self, application_id: str) -> Team | None:
        return self.teams.get(application_id)

    async def get_edition(self, edition_id: str) -> EditionPublished | None:
        return self.editions.get(edition_id)

    async def claim(self, claim_id: str) -> ClaimFacts | None:
        return self.claims.get(claim_id)


@dataclass
class MemoryDeliveries:
    """Items to deliver and the outcome of each attempt (satisfies ``dispatch.Deliveries``):
    the same transitions the message and webhook stores make, without the outbox."""

    items: dict[str, Document] = field(default_factory=dict)
    outcomes: list[tuple[str, str, int]] = field(default_factory=list)
    """(item id, outcome, attempts) in the order they were recorded."""

    def add(self, item_id: str, at: datetime) -> None:
        self.items[item_id] = {
            "_id": item_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": at,
        }

    async def pending(self, limit: int) -> list[Document]:
        waiting = [d for d in self.items.values() if d["status"] == "pending"]
        return sorted(waiting, key=lambda d: d["next_attempt_at"])[:limit]

    async def delivered(self, doc: Document, attempts: int, at: datetime) -> None:
        self.items[doc["_id"]] |= {"status": "sent", "attempts": attempts}
        self.outcomes.append((doc["_id"], "delivered", attempts))

    async def retry(
        self, doc: Document, attempts: int, at: datetime, next_at: datetime, error: str
    ) -> None:
        self.items[doc["_id"]] |= {"attempts": attempts, "next_attempt_at": next_at}
        self.outcomes.append((doc["_id"], "retry", attempts))

    async def failed(self, doc: Document, attempts: int, at: datetime, error: str) -> None:
        self.items[doc["_id"]] |= {"status": "failed", "attempts": attempts, "last_error": error}
        self.outcomes.append((doc["_id"], "failed", attempts))
