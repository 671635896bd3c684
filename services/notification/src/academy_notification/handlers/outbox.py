"""Staff reads of the recorded messages (the outbox): filtered pages, the whole list for CSV
and HTML, and one message as it was sent, less the recipient's secrets: the link token in a
body opens the application to whoever holds it, so every staff view (JSON, CSV, HTML) reads
the messages through here, where it is masked."""

from __future__ import annotations

from dataclasses import dataclass

from academy_kit.mongo import Document
from academy_notification.adapters.messages import MessageFilter, MessageStore
from academy_notification.domain.drafting import without_link_tokens
from academy_notification.domain.failures import MessageNotFound


def _for_staff(doc: Document) -> Document:
    if isinstance(doc.get("body"), str):
        return {**doc, "body": without_link_tokens(doc["body"])}
    return doc


@dataclass(frozen=True)
class Outbox:
    store: MessageStore

    async def page(self, where: MessageFilter, limit: int, skip: int) -> tuple[int, list[Document]]:
        """How many messages match, and those of the page, newest first."""
        found = await self.store.find(where, limit=limit, skip=skip)
        return await self.store.count(where), [_for_staff(doc) for doc in found]

    async def matching(self, where: MessageFilter, limit: int | None = None) -> list[Document]:
        return [_for_staff(doc) for doc in await self.store.find(where, limit=limit)]

    async def message(self, message_id: str) -> Document:
        doc = await self.store.get(message_id)
        if doc is None:
            raise MessageNotFound(message_id)
        return _for_staff(doc)
