"""The subscription table (the fast tier): every registered event type is forwarded to the
webhooks, last; what the service keeps of an event is kept before its messages are drafted."""

from __future__ import annotations

from pydantic import SecretStr
from pymongo import AsyncMongoClient

from academy_contracts.registry import EVENTS
from academy_kit.mongo import Document
from academy_kit.subscriptions import Subscriptions
from academy_notification.adapters.projections import ProjectionStore
from academy_notification.adapters.webhooks import WebhookStore
from academy_notification.domain.drafting import DRAFTED_FROM, Links
from academy_notification.domain.program import ProgramFacts
from academy_notification.domain.rendering import Renderer
from academy_notification.handlers.projections import Projections
from academy_notification.handlers.recording import EventMessages, Recording
from academy_notification.handlers.subscriptions import subscriptions
from academy_notification.handlers.webhooks import Webhooks

from .support.memory import MemoryKnowledge, MemoryMessages


def _table() -> Subscriptions:
    """The service's table on stores that never connect (the table is only read here)."""
    client: AsyncMongoClient[Document] = AsyncMongoClient("mongodb://127.0.0.1:9", connect=False)
    db = client["unused"]
    recording = Recording(
        MemoryMessages(), Renderer(ProgramFacts(), "Europe/Paris"), "x.org", lambda: None
    )
    links = Links("https://academy.example", SecretStr("s" * 32))
    return subscriptions(
        Projections(ProjectionStore(db)),
        EventMessages(MemoryKnowledge(), recording, links),
        Webhooks(WebhookStore(db), lambda: None),
    )


def _names(table: Subscriptions, event_type: type) -> list[str]:
    return [getattr(handler, "__name__", "") for handler in table[event_type]]


def test_every_registered_event_type_is_forwarded_to_webhooks_last() -> None:
    table = _table()
    assert set(table) == {spec.model for spec in EVENTS}
    for spec in EVENTS:
        assert _names(table, spec.model)[-1] == "forward", spec.event_type


def test_messages_are_drafted_after_the_projections_of_the_same_event() -> None:
    table = _table()
    for spec in EVENTS:
        names = _names(table, spec.model)
        if spec.model in DRAFTED_FROM:
            assert names[-2] == "draft_and_record", spec.event_type
            assert names.count("draft_and_record") == 1
        else:
            assert "draft_and_record" not in names, spec.event_type
