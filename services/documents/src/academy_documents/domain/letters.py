"""Visa support letters: who may ask for one, what a consulate needs from the passport, and
when a request makes a new version of the letter.

A participant of a selected cluster whose place is confirmed asks for a letter on their own
page, giving their passport number, nationality, date of birth and the passport's expiry. The
letter names them, their passport and the edition's sessions; it is made once per request and
kept, so the same request again gives the same letter, and changed data (or sessions moved
since) gives a new version under a new reference.

The passport data is personal data: it is checked here, kept only in the documents service's
``passport_data`` collection beside the letter made from it, and never put in an event.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel import Locale
from pydantic import BaseModel

from academy_contracts.events import EditionPublished
from academy_contracts.values import Country, Language, ParticipantRole, UtcDateTime
from academy_documents.domain.certificates import reference_for
from academy_documents.domain.cohort import Member, Roster
from academy_documents.domain.failures import LetterUnavailable, PassportDataInvalid

LETTER_PREFIX = "VL"
PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{6,12}")
"""Passport numbers are letters and digits; ICAO 9303 leaves 9 characters in the machine
readable zone, and some countries print a few more in full."""
EARLIEST_BIRTH = date(1900, 1, 1)
TERRITORIES = frozenset(
    code for code in map(str, Locale("en").territories) if len(code) == 2 and code.isalpha()
)
"""Two-letter ISO 3166 codes (Babel's CLDR data): a nationality is one of these."""


class PassportForm(BaseModel):
    """What the participant typed, before any check (so every refusal is the domain's, in
    the participant's language, rather than a parser's)."""

    passport_number: str = ""
    nationality: str = ""
    date_of_birth: str = ""
    passport_expires_on: str = ""


class Passport(BaseModel):
    passport_number: str
    nationality: str
    """ISO 3166 alpha-2 code of the country that issued the passport."""
    date_of_birth: date
    passport_expires_on: date


class VisaLetter(BaseModel):
    """One version of a participant's letter, with the passport data it was made from."""

    reference: str
    version: int
    application_id: str
    participant_id: str
    edition_id: str
    edition_revision: int
    """The edition's revision whose sessions the letter lists."""
    full_name: str
    role: ParticipantRole
    cluster_name: str
    country: Country
    language: Language
    passport: Passport
    issued_at: UtcDateTime


def may_ask(roster: Roster | None, confirmed: bool, participant_id: str) -> tuple[Roster, Member]:
    """The participant's roster and entry when they may ask for a letter: a participant of a
    cluster that is selected and has confirmed its place (an invitation before that would
    promise a seat that is not theirs)."""
    member = roster.member(participant_id) if roster else None
    if roster is None or member is None:
        raise LetterUnavailable("not-participant")
    if not (roster.selected and confirmed):
        raise LetterUnavailable("not-confirmed")
    return roster, member


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def last_day(edition: EditionPublished) -> date | None:
    """The date the edition's last session ends, in the edition's own zone."""
    if not edition.sessions:
        return None
    zone = ZoneInfo(edition.time_zone)
    return max(s.ends_at for s in edition.sessions).astimezone(zone).date()


def passport_of(form: PassportForm, *, edition: EditionPublished, today: date) -> Passport:
    """The checked passport data; every field at fault at once otherwise, each named by the
    reason (``invalid``, ``missing``, ``expires-too-soon``)."""
    faults: dict[str, str] = {}
    number = re.sub(r"[\s-]", "", form.passport_number).upper()
    if not number:
        faults["passport_number"] = "missing"
    elif not PASSPORT_NUMBER.fullmatch(number):
        faults["passport_number"] = "invalid"
    nationality = form.nationality.strip().upper()
    if nationality not in TERRITORIES:
        faults["nationality"] = "missing" if not nationality else "invalid"
    born = _date(form.date_of_birth)
    if born is None or not EARLIEST_BIRTH <= born < today:
        faults["date_of_birth"] = "missing" if not form.date_of_birth.strip() else "invalid"
    expires = _date(form.passport_expires_on)
    until = last_day(edition) or today
    if expires is None:
        faults["passport_expires_on"] = "missing" if not form.passport_expires_on else "invalid"
    elif expires < until:
        faults["passport_expires_on"] = "expires-too-soon"
    if faults or born is None or expires is None:
        raise PassportDataInvalid(faults)
    return Passport(
        passport_number=number,
        nationality=nationality,
        date_of_birth=born,
        passport_expires_on=expires,
    )


def next_letter(
    current: VisaLetter | None,
    *,
    secret: bytes,
    roster: Roster,
    member: Member,
    edition: EditionPublished,
    passport: Passport,
    language: Language,
    at: datetime,
) -> VisaLetter:
    """The new version the request makes, or ``current`` itself when it already says all of
    it (same passport, language and sessions): a request sent twice makes one letter."""
    if (
        current is not None
        and current.passport == passport
        and current.language == language
        and current.edition_revision == edition.revision
        and current.full_name == member.full_name
    ):
        return current
    version = (current.version if current else 0) + 1
    return VisaLetter(
        reference=reference_for(
            secret, edition.edition_id, f"{member.participant_id}/{version}", LETTER_PREFIX
        ),
        version=version,
        application_id=roster.application_id,
        participant_id=member.participant_id,
        edition_id=edition.edition_id,
        edition_revision=edition.revision,
        full_name=member.full_name,
        role=member.role,
        cluster_name=roster.cluster_name,
        country=roster.country,
        language=language,
        passport=passport,
        issued_at=at,
    )
