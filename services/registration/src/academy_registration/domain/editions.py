"""Editions (cohorts) of the Academy: what staff set, and the registration deadline rule.

The deadline is kept as the instant it is (UTC) and the time zone staff set it in, so refusals
quote it as the applicant's call did ("15 October 2023, 23:59 Europe/Paris") and in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from academy_contracts.events import EditionPublished, EditionSession, LocalizedText
from academy_contracts.values import Identifier, Language
from academy_registration.domain.failures import RegistrationClosed, UnknownSession


def _known_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown IANA time zone {name!r} (e.g. 'Europe/Paris')") from None
    return name


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


class EditionForm(BaseModel):
    """What staff (admin) set for an edition. A deadline without an offset is read in
    ``time_zone``; applications are accepted up to and including it."""

    model_config = ConfigDict(extra="forbid")

    title: LocalizedText
    registration_deadline: datetime
    time_zone: TimeZoneName = Field(examples=["Europe/Paris"])
    capacity: int = Field(ge=1, le=1000, description="How many clusters the edition takes.")
    languages: list[Language] = Field(default=[Language.FR, Language.EN], min_length=1)
    sessions: list[EditionSession] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _distinct_sessions(self) -> Self:
        ids = [s.session_id for s in self.sessions]
        if len(set(ids)) != len(ids):
            raise ValueError("session ids must be distinct within an edition")
        return self

    def deadline_utc(self) -> datetime:
        deadline = self.registration_deadline
        if deadline.tzinfo is None:
            deadline = deadline.replace(tzinfo=ZoneInfo(self.time_zone))
        return deadline.astimezone(UTC)


class NewEdition(EditionForm):
    edition_id: Identifier


def publish(
    edition_id: str, form: EditionForm, *, revision: int, now: datetime
) -> EditionPublished:
    """The event recording revision ``revision`` of the edition."""
    return EditionPublished(
        edition_id=edition_id,
        revision=revision,
        title=form.title,
        registration_deadline=form.deadline_utc(),
        time_zone=form.time_zone,
        capacity=form.capacity,
        languages=list(dict.fromkeys(form.languages)),
        sessions=form.sessions,
        published_at=now,
    )


def is_open(edition: EditionPublished, now: datetime) -> bool:
    return now <= edition.registration_deadline


def check_open(edition: EditionPublished, now: datetime) -> None:
    """Applications are submitted, amended and withdrawn up to and including the deadline."""
    if not is_open(edition, now):
        raise RegistrationClosed(edition)


def quote_instant(instant: datetime, time_zone: str) -> str:
    """An instant in an edition's own time zone, then in UTC, as refusals quote it."""
    local = instant.astimezone(ZoneInfo(time_zone))
    return f"{local:%d %B %Y, %H:%M} {time_zone} ({instant.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ})"


def quote_deadline(edition: EditionPublished) -> str:
    return quote_instant(edition.registration_deadline, edition.time_zone)


def session_ids(edition: EditionPublished) -> list[str]:
    return [session.session_id for session in edition.sessions]


def session_of(edition: EditionPublished, session_id: str) -> EditionSession:
    """The edition's session of this id; :class:`UnknownSession` naming the others."""
    for session in edition.sessions:
        if session.session_id == session_id:
            return session
    raise UnknownSession(session_id, session_ids(edition))


FIRST_EDITION_ID = "2023"
FIRST_EDITION = EditionForm(
    title=LocalizedText(fr="Académie des clusters Euromed 2023", en="Euromed Cluster Academy 2023"),
    registration_deadline=datetime(2023, 10, 15, 23, 59, 59),  # noqa: DTZ001 - read in time_zone
    time_zone="Europe/Paris",
    capacity=21,
    languages=[Language.FR, Language.EN],
)
"""The first edition, as its call for applications announced it: "Register until October 15,
2023". The call gives no capacity or sessions; 21 (three clusters per country) is a placeholder
staff change with ``PUT /v1/editions/2023``."""
