"""The mail dispatcher's due entries on the real store: what it finds is every pending message
and only those, after a crash at any point between a message's write and its entry's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from academy_kit.clock import now
from academy_kit.mongo import Document, connected
from academy_notification.adapters.messages import DUE, MESSAGES, MessageStore, due_key
from academy_notification.settings import NotificationSettings

pytestmark = pytest.mark.integration


def _message(key: str, minutes: int) -> Document:
    at = now() + timedelta(minutes=minutes)
    return {
        "_id": key,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
        "log": [],
    }


async def test_pending_is_every_pending_message_by_due_instant_after_lost_entries(
    service_settings: Any,
) -> None:
    settings = service_settings(NotificationSettings)
    async with connected(settings) as db:
        store = MessageStore(db)
        assert await store.record([_message("late", 5), _message("early", -5)]) == 2
        assert await store.record([_message("late", 5)]) == 0, "recorded once per key"
        # killed after the message's write, before its entry's: the first read after a start
        # finds it
        await db[MESSAGES].insert_one(_message("orphan", 0))
        restarted = MessageStore(db)
        assert [d["_id"] for d in await restarted.pending(10)] == ["early", "orphan", "late"]
        assert [d["_id"] for d in await restarted.pending(2)] == ["early", "orphan"]
        assert await db[DUE].count_documents({}) == 3


async def test_an_attempt_moves_or_removes_the_entry_and_stale_entries_are_dropped(
    service_settings: Any,
) -> None:
    settings = service_settings(NotificationSettings)
    async with connected(settings) as db:
        store = MessageStore(db)
        await store.record([_message("retried", -2), _message("sent", -1)])
        first, second = await store.pending(10)
        later = now() + timedelta(minutes=10)
        attempt = {"at": now(), "outcome": "retry", "error": "down"}
        assert await store.mark(first, {"attempts": 1, "next_attempt_at": later}, attempt)
        assert await store.mark(second, {"status": "sent", "attempts": 1}, attempt)
        assert not await store.mark(second, {"status": "sent"}, attempt), "no longer pending"
        assert [d["_id"] for d in await store.pending(10)] == ["retried"]
        entries = [e["_id"] async for e in db[DUE].find({})]
        assert entries == [due_key(later, "retried")]

        # killed after the message's update, before its old entry was removed
        await db[DUE].insert_one(
            {"_id": due_key(first["next_attempt_at"], "retried"), "message_id": "retried"}
        )
        found = await store.pending(1)
        assert [(d["_id"], d["next_attempt_at"]) for d in found] == [("retried", later)]
        assert await db[DUE].count_documents({}) == 1
