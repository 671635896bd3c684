"""Visa letters on in-memory stores: only a participant of a confirmed cluster gets one, through
their own link; bad passport data is refused field by field and changes nothing; the same
request twice makes one letter, changed data a new version; the PDF holds the holder's name,
passport number and the sessions' dates, in French or English."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from academy_contracts import links
from academy_contracts.values import Language
from academy_documents.domain.failures import LetterUnavailable, PassportDataInvalid
from academy_documents.domain.letters import PassportForm

from .support.cohort import NAMES, Cohort
from .support.service import InMemory, in_memory

FUTURE = (datetime.now(UTC).date() + timedelta(days=3 * 365)).isoformat()
PASSPORT = PassportForm(
    passport_number="ab 123 4567",
    nationality="tn",
    date_of_birth="1985-04-12",
    passport_expires_on=FUTURE,
)


def _grant(cohort: Cohort, n: int) -> links.Grant:
    return links.Grant(
        cohort.application_id,
        cohort.participant_ids[n],
        links.Scope.PARTICIPANT,
        datetime.now(UTC) + timedelta(days=1),
    )


async def _confirmed(ended: bool = False) -> tuple[InMemory, Cohort]:
    memory, cohort = in_memory(), Cohort("ed-visa", ended=ended)
    await memory.deliver(cohort.edition(), cohort.selected(), cohort.confirmed())
    return memory, cohort


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize(
    ("n", "language", "words"),
    [
        (0, Language.FR, ("Lettre d’invitation", "Atelier 1", "Marseille", "Tunisie")),
        (1, Language.EN, ("Invitation letter", "Workshop 2", "Marseille", "Tunisia")),
    ],
)
async def test_the_letter_names_the_holder_the_passport_and_the_session_dates(
    n: int, language: Language, words: tuple[str, ...]
) -> None:
    memory, cohort = await _confirmed()
    pid = cohort.participant_ids[n]
    letter = await memory.letters.request(
        cohort.application_id, pid, _grant(cohort, n), PASSPORT, language
    )
    assert (letter.version, letter.passport.passport_number) == (1, "AB1234567")
    _, pdf = await memory.letters.of_participant(cohort.application_id, pid, _grant(cohort, n))
    text = _text(pdf)
    zone = ZoneInfo("Europe/Paris")
    session_days = [
        format_date((cohort.start + timedelta(days=d)).astimezone(zone), "long", locale=language)
        for d in (1, 2)
    ]
    for expected in (NAMES[n], "AB1234567", letter.reference, *session_days, *words):
        assert expected in text


async def test_the_same_request_gives_the_same_letter_and_new_data_a_new_version() -> None:
    memory, cohort = await _confirmed()
    app, pid, grant = cohort.application_id, cohort.participant_ids[0], _grant(cohort, 0)
    first = await memory.letters.request(app, pid, grant, PASSPORT, None)
    again = await memory.letters.request(app, pid, grant, PASSPORT, None)
    assert again == first
    assert first.language == Language.FR  # the participant's own by default
    renewed = PASSPORT.model_copy(update={"passport_number": "ZX9876543"})
    second = await memory.letters.request(app, pid, grant, renewed, None)
    assert second.version == 2
    assert second.reference != first.reference
    current, pdf = await memory.letters.of_participant(app, pid, grant)
    assert current == second
    assert "ZX9876543" in _text(pdf)


@pytest.mark.parametrize(
    ("changes", "faults"),
    [
        ({"passport_number": "12#4"}, {"passport_number": "invalid"}),
        ({"passport_number": ""}, {"passport_number": "missing"}),
        ({"nationality": "XX"}, {"nationality": "invalid"}),
        ({"date_of_birth": "2999-01-01"}, {"date_of_birth": "invalid"}),
        (
            {
                "passport_expires_on": datetime.now(UTC).date().isoformat(),
                "date_of_birth": "12/04/1985",
            },
            {"passport_expires_on": "expires-too-soon", "date_of_birth": "invalid"},
        ),
    ],
)
async def test_bad_passport_data_is_refused_field_by_field_and_changes_nothing(
    changes: dict[str, str], faults: dict[str, str]
) -> None:
    memory, cohort = await _confirmed()
    app, pid, grant = cohort.application_id, cohort.participant_ids[0], _grant(cohort, 0)
    first = await memory.letters.request(app, pid, grant, PASSPORT, None)
    with pytest.raises(PassportDataInvalid) as refused:
        await memory.letters.request(app, pid, grant, PASSPORT.model_copy(update=changes), None)
    assert refused.value.faults == faults
    assert (await memory.letters.of_participant(app, pid, grant))[0] == first


async def test_only_a_participant_of_a_confirmed_cluster_through_their_own_link() -> None:
    memory, cohort = in_memory(), Cohort("ed-unconfirmed")
    await memory.deliver(cohort.edition(), cohort.selected())
    app, pid = cohort.application_id, cohort.participant_ids[0]
    with pytest.raises(LetterUnavailable) as unconfirmed:
        await memory.letters.request(app, pid, _grant(cohort, 0), PASSPORT, None)
    assert unconfirmed.value.reason == "not-confirmed"

    await memory.deliver(cohort.confirmed())
    with pytest.raises(links.LinkRefused) as teammate:
        await memory.letters.request(app, pid, _grant(cohort, 1), PASSPORT, None)
    assert teammate.value.refusal == links.Refusal.OTHER_PERSON
    stranger = links.Grant(app, "nobody", links.Scope.PARTICIPANT, datetime.now(UTC))
    with pytest.raises(LetterUnavailable) as outsider:
        await memory.letters.request(app, "nobody", stranger, PASSPORT, None)
    assert outsider.value.reason == "not-participant"
    assert memory.letter_store.letters == {}
