"""The event-to-message handler on in-memory stores (the fast tier): what is known is read,
each message rendered in its recipient's language and recorded once under its key."""

from __future__ import annotations

from pydantic import SecretStr

from academy_contracts.envelope import Envelope
from academy_contracts.events import AcademyEvent
from academy_notification.domain.drafting import Links, Team
from academy_notification.domain.messages import Template, message_id
from academy_notification.domain.program import ProgramFacts
from academy_notification.domain.rendering import Renderer
from academy_notification.handlers.recording import EventMessages, Recording

from .support.memory import MemoryKnowledge, MemoryMessages
from .support.story import Story


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def _handler(known: MemoryKnowledge) -> tuple[EventMessages, MemoryMessages, Wakes]:
    messages, wakes = MemoryMessages(), Wakes()
    recording = Recording(messages, Renderer(ProgramFacts(), "Europe/Paris"), "anima.coop", wakes)
    links = Links("https://academy.example/v1/applications", SecretStr("s" * 32))
    return EventMessages(known, recording, links), messages, wakes


def _envelope(event: AcademyEvent) -> Envelope[AcademyEvent]:
    return Envelope(data=event, source="test")


async def test_an_events_messages_are_recorded_once_each_in_the_recipients_language() -> None:
    story = Story("r1")
    handler, messages, wakes = _handler(MemoryKnowledge())
    envelope = _envelope(story.submitted())
    await handler.draft_and_record(envelope)
    await handler.draft_and_record(envelope)  # redelivered
    assert set(messages.docs) == {
        message_id(envelope.id, story.email(n), Template.APPLICATION_RECEIVED) for n in range(3)
    }
    for n, participant in enumerate(story.participants):
        [doc] = [d for d in messages.docs.values() if d["recipient"] == story.email(n)]
        assert doc["language"] == participant.language.value
        assert doc["status"] == "pending"
        assert doc["body"].startswith(
            f"{'Bonjour' if participant.language.value == 'fr' else 'Dear'} "
            f"{participant.full_name},"
        )
        assert doc["rfc_message_id"].endswith("@anima.coop>")
    assert wakes.count == 1, "the sender is woken when something new is recorded, only then"
    assert messages.reads == 0, "an event's messages are inserted, not looked up first"


async def test_an_event_about_an_unknown_team_records_nothing() -> None:
    story = Story("r2")
    handler, messages, wakes = _handler(MemoryKnowledge())
    await handler.draft_and_record(_envelope(story.withdrawn()))
    assert messages.docs == {}
    assert wakes.count == 0


async def test_a_withdrawal_is_written_to_the_team_known_from_the_application() -> None:
    story = Story("r3")
    known = MemoryKnowledge(teams={story.application_id: Team(story.cluster, story.participants)})
    handler, messages, _ = _handler(known)
    envelope = _envelope(story.withdrawn())
    await handler.draft_and_record(envelope)
    assert set(messages.docs) == {
        message_id(envelope.id, story.email(n), Template.APPLICATION_WITHDRAWN) for n in range(3)
    }
