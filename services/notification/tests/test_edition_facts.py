"""Every message about an edition states that edition's facts, in its time zone: an edition
other than the first, in Amman, with every kind a participant receives rendered in both
languages and every date and time in it checked against the edition's own (the fast tier).

The digest is the one kind about no edition: it goes to the project manager in the program's
time zone, and is not rendered here."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import SecretStr

from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    AcademyEvent,
    EditionPublished,
    EditionSession,
    ExpenseClaimed,
    ExpenseLine,
    LocalizedText,
)
from academy_contracts.values import Currency, ExpenseCategory, Language, Money
from academy_kit.mongo import Document
from academy_notification.domain.claims import ClaimFacts
from academy_notification.domain.drafting import Links, Team
from academy_notification.domain.labels import MONTHS
from academy_notification.domain.program import ProgramFacts
from academy_notification.domain.rendering import Renderer, format_day, format_instant
from academy_notification.handlers.recording import EventMessages, Recording

from .support.memory import MemoryKnowledge, MemoryMessages
from .support.story import Story

AMMAN = "Asia/Amman"
SUBMITTED = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)
UPDATED = datetime(2026, 2, 11, 22, 15, tzinfo=UTC)  # 12 February in Amman
WITHDRAWN = datetime(2026, 2, 13, 7, 0, tzinfo=UTC)
DEADLINE = datetime(2026, 3, 15, 20, 59, tzinfo=UTC)  # 23:59 in Amman
OFFER_DEADLINE = datetime(2026, 4, 20, 12, 0, tzinfo=UTC)
SESSIONS = (
    (datetime(2026, 5, 4, 6, 0, tzinfo=UTC), datetime(2026, 5, 4, 14, 0, tzinfo=UTC)),
    (datetime(2026, 5, 5, 6, 0, tzinfo=UTC), datetime(2026, 5, 5, 14, 0, tzinfo=UTC)),
)
CLAIMED = datetime(2026, 5, 10, 8, 0, tzinfo=UTC)
EXPENSE_DAYS = (date(2026, 5, 3), date(2026, 5, 6))
PAID = datetime(2026, 6, 1, 21, 30, tzinfo=UTC)  # already 2 June in Amman, still 1 June in Paris
INSTANTS = (
    SUBMITTED,
    UPDATED,
    WITHDRAWN,
    DEADLINE,
    OFFER_DEADLINE,
    *(t for s in SESSIONS for t in s),
    CLAIMED,
    PAID,
)


def second_edition(story: Story) -> EditionPublished:
    return EditionPublished(
        edition_id=story.edition_id,
        revision=3,
        title=LocalizedText(fr="Académie 2026", en="Academy 2026"),
        registration_deadline=DEADLINE,
        time_zone=AMMAN,
        capacity=12,
        languages=[Language.FR, Language.EN],
        sessions=[
            EditionSession(
                session_id=f"s{n}",
                title=LocalizedText(fr=f"Atelier {n}", en=f"Workshop {n}"),
                starts_at=starts,
                ends_at=ends,
                place="Amman",
            )
            for n, (starts, ends) in enumerate(SESSIONS, start=1)
        ],
        published_at=SUBMITTED - timedelta(days=60),
    )


def events(story: Story) -> list[AcademyEvent]:
    """Every event a participant is written about, at the instants above."""
    claimed = story.claimed(1)
    lines = [
        ExpenseLine(
            line_id=f"L{n}",
            category=category,
            expense_date=day,
            description=description,
            amount=Money(amount=Decimal(amount), currency=Currency.JOD),
        )
        for n, (category, day, description, amount) in enumerate(
            (
                (ExpenseCategory.TRAVEL, EXPENSE_DAYS[0], "Flight Amman-Marseille", "310.00"),
                (ExpenseCategory.ACCOMMODATION, EXPENSE_DAYS[1], "Hotel", "240.00"),
            ),
            start=1,
        )
    ]
    return [
        story.submitted().model_copy(update={"submitted_at": SUBMITTED}),
        story.updated().model_copy(update={"updated_at": UPDATED}),
        story.withdrawn().model_copy(update={"withdrawn_at": WITHDRAWN}),
        story.not_eligible().model_copy(update={"screened_at": DEADLINE + timedelta(days=1)}),
        story.selected().model_copy(
            update={"selected_at": OFFER_DEADLINE, "offer_deadline": OFFER_DEADLINE}
        ),
        story.waitlisted().model_copy(update={"decided_at": OFFER_DEADLINE}),
        story.rejected().model_copy(update={"decided_at": OFFER_DEADLINE}),
        claimed.model_copy(update={"lines": lines, "claimed_at": CLAIMED}),
        story.documents_missing(1).model_copy(
            update={
                "missing": ["L1 (travel): boarding_pass, ticket", "L2 (accommodation): invoice"],
                "noted_at": CLAIMED,
            }
        ),
        story.approved(1).model_copy(update={"approved_at": CLAIMED}),
        story.paid(1).model_copy(update={"paid_at": PAID}),
    ]


async def rendered(story: Story) -> list[Document]:
    claimed = next(e for e in events(story) if isinstance(e, ExpenseClaimed))
    known = MemoryKnowledge(
        teams={story.application_id: Team(story.cluster, story.participants)},
        editions={story.edition_id: second_edition(story)},
        claims={claimed.claim_id: ClaimFacts(claimed.claimed_at, claimed.lines)},
    )
    messages = MemoryMessages()
    recording = Recording(messages, Renderer(ProgramFacts(), "Europe/Paris"), "x.org", lambda: None)
    links = Links("https://academy.example/v1/applications", SecretStr("s" * 32))
    handler = EventMessages(known, recording, links)
    for event in events(story):
        await handler.draft_and_record(Envelope(data=event, source="test"))
    return list(messages.docs.values())


DAY = re.compile(
    r"\b(1er|\d{1,2}) (" + "|".join(MONTHS[Language.FR] + MONTHS[Language.EN]) + r") (\d{4})\b"
)
TIME = re.compile(r"\b\d{2}:\d{2} \(([^)]*)\)")


def _edition_days(language: Language) -> set[str]:
    quoted = {format_instant(t, language, AMMAN).split(" à ")[0].split(", ")[0] for t in INSTANTS}
    return quoted | {format_day(day, language) for day in EXPENSE_DAYS}


@pytest.mark.parametrize("language", list(Language))
async def test_every_date_and_time_in_every_message_is_the_editions(language: Language) -> None:
    story = Story("amman")
    story.participants[1] = story.participants[1].model_copy(update={"language": language})
    docs = [d for d in await rendered(story) if d["language"] == language.value]
    kinds = {d["template"] for d in docs}
    assert len(kinds) == 11, kinds
    allowed = _edition_days(language)
    for doc in docs:
        text = f"{doc['subject']}\n{doc['body']}"
        days = {m.group(0) for m in DAY.finditer(text)}
        assert days <= allowed, (doc["template"], days - allowed)
        zones = set(TIME.findall(text))
        assert zones <= {f"{AMMAN}, UTC+03:00"}, (doc["template"], zones)
        assert "2023" not in text, doc["template"]
    by_kind = {d["template"]: f"{d['subject']}\n{d['body']}" for d in docs}
    deadline = format_instant(DEADLINE, language, AMMAN)
    for kind in ("application_received", "application_withdrawn", "not_eligible"):
        assert deadline in by_kind[kind], kind
    assert format_instant(OFFER_DEADLINE, language, AMMAN) in by_kind["selected"]
    for starts, ends in SESSIONS:
        assert format_instant(starts, language, AMMAN) in by_kind["selected"]
        assert format_instant(ends, language, AMMAN) in by_kind["selected"]
    assert format_instant(PAID, language, AMMAN) in by_kind["reimbursement_paid"]
    assert ("2 juin 2026" if language is Language.FR else "2 June 2026") in by_kind[
        "reimbursement_paid"
    ]
