"""Staff reads of the recorded messages (the outbox): filtered pages, the whole list for CSV
and HTML, and one message as it was sent."""

from __future__ import annotations

from dataclasses import dataclass

from academy_kit.mongo import Document
from academy_notification.adapters.messages import MessageFilter, MessageStore
from academy_notification.domain.failures import MessageNotFound


@dataclass(frozen=True)
class Outbox:
    store: MessageStore

    async def page(self, where: MessageFilter, limit: int, skip: int) -> tuple[int, list[Document]]:
        """How many messages match, and those of the page, newest first."""
        return await self.store.count(where), await self.store.find(where, limit=limit, skip=skip)

    async def matching(self, where: MessageFilter, limit: int | None = None) -> list[Document]:
        return await self.store.find(where, limit=limit)

    async def message(self, message_id: str) -> Document:
        doc = await self.store.get(message_id)
        if doc is None:
            raise MessageNotFound(message_id)
        return doc
