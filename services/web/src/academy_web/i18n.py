"""Languages: the gettext catalogs (compiled from the committed ``.po`` files when the app
starts, so a fresh clone needs no build step), the page's locale, and Babel's formatting of
dates, times and amounts for it.

The page's language comes from ``?lang=``, else the remembered cookie, else the browser's
``Accept-Language``, else French (the program's first language)."""

from __future__ import annotations

import functools
import gettext
import io
import math
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.units import format_unit

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"
COOKIE = "academy_lang"
LOCALES_DIR = Path(__file__).parent / "locales"
PROGRAM_ZONE = ZoneInfo("Europe/Paris")
DASH = "\u2013"
"""Between the two ends of a range, in both languages."""

current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def compile_catalogs(
    folder: Path = LOCALES_DIR, domain: str = "messages"
) -> dict[str, gettext.GNUTranslations]:
    """Each language's ``<domain>.po`` compiled in memory: what ``pybabel compile`` writes,
    without a file to forget to rebuild. The applicants' pages are ``messages``, the staff
    console ``staff``: two catalogs, so neither's extraction touches the other's. Each call
    gives new translation objects (the console chains its own to the applicants'), read from
    the compiled bytes of each file, compiled once per process and again if the file changes."""
    catalogs = {}
    for language in LANGUAGES:
        po = folder / language / "LC_MESSAGES" / f"{domain}.po"
        compiled = _compiled(po, po.stat().st_mtime_ns)
        catalogs[language] = gettext.GNUTranslations(io.BytesIO(compiled))
    return catalogs


@functools.cache
def _compiled(po: Path, modified_ns: int) -> bytes:
    """``po`` as a ``.mo`` file's bytes; ``modified_ns`` is part of the key only."""
    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


class Translator:
    """gettext for the language of the request being served (a context variable), so one
    Jinja2 environment serves every language."""

    def __init__(self, catalogs: Mapping[str, gettext.GNUTranslations]) -> None:
        self.catalogs = catalogs

    def gettext(self, message: str) -> str:
        return self.catalogs[current.get()].gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.catalogs[current.get()].ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        """``message`` as meant in ``context``: one English word may need two translations
        (a cluster "Confirmed" on a badge, the "Confirmed" clusters of the report)."""
        return self.catalogs[current.get()].pgettext(context, message)


def negotiate(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """The page's language: an explicit choice, the remembered one, the browser's, French."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return choice
    weighted = []
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.strip().lower()[:2]))
    for quality, tag in sorted(weighted, key=lambda item: -item[0]):
        if quality > 0 and tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def when(moment: datetime, zone: ZoneInfo = PROGRAM_ZONE) -> str:
    """A date and time as people of the page's language write it, in ``zone``."""
    local = moment.astimezone(zone)
    return f"{_day_and_time(local)} ({_city(zone)})"


def span(start: datetime, end: datetime, zone: ZoneInfo = PROGRAM_ZONE) -> str:
    """A session's time: its day once when it ends that day, both days when it ends later."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.date() == last.date():
        return f"{_day_and_time(first)} {DASH} {hour(last, zone)} ({_city(zone)})"
    return f"{_day_and_time(first)} {DASH} {_day_and_time(last)} ({_city(zone)})"


def hour(moment: datetime, zone: ZoneInfo = PROGRAM_ZONE) -> str:
    """A time of day in ``zone``, as the page's language writes it."""
    return format_time(moment.astimezone(zone), "short", locale=current.get())


def _day_and_time(local: datetime) -> str:
    language = current.get()
    return f"{format_date(local, 'long', locale=language)}, " + format_time(
        local, "short", locale=language
    )


def _city(zone: ZoneInfo) -> str:
    return str(get_timezone_location(zone, locale=current.get(), return_city=True))


def day(moment: date | datetime | str) -> str:
    """A day in the page's language; ISO strings (as the APIs send dates) are read first."""
    if isinstance(moment, str):
        moment = date.fromisoformat(moment)
    if isinstance(moment, datetime):
        moment = moment.astimezone(PROGRAM_ZONE).date()
    return format_date(moment, "long", locale=current.get())


def amount(value: Decimal | str, currency: str) -> str:
    return format_currency(Decimal(value), currency, locale=current.get())


def number(value: Decimal | str | int) -> str:
    """A number as the page's language writes it, at most two decimals: a review score of
    "87.50" reads "87,5" in French and "87.5" in English."""
    return str(format_decimal(Decimal(value), format="#,##0.##", locale=current.get()))


def size(size_bytes: int) -> str:
    """A file's size as the page's language writes it (``ko``/``Mo`` in French, ``kB``/``MB``
    in English, as the upload field's limit is stated), rounded up so a small receipt never
    reads "0 kB"."""
    kilobytes = max(1, math.ceil(size_bytes / 1024))
    if kilobytes < 1024:
        return str(format_unit(kilobytes, "digital-kilobyte", "short", locale=current.get()))
    megabytes = round(Decimal(size_bytes) / 1024**2, 1)
    return str(format_unit(megabytes, "digital-megabyte", "short", locale=current.get()))


def country_name(code: str) -> str:
    """A country's name in the page's language, from the CLDR data Babel ships."""
    return str(Locale(current.get()).territories.get(code, code))


NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "XA", "XB", "XK", "QO", "ZZ"})
"""CLDR territories that are no ISO 3166-1 country (groupings, pseudo-locales, Kosovo's
user-assigned code): the registration API refuses them."""


def country_names() -> list[tuple[str, str]]:
    """Every country (ISO 3166-1 alpha-2) by name in the page's language, for a company's
    country list."""
    territories = Locale(current.get()).territories
    return sorted(
        (
            (code, name)
            for code, name in territories.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
        ),
        key=lambda item: item[1],
    )


def N_(message: str) -> str:  # noqa: N802 - the name gettext's extractors look for
    """Marks a message for the catalogs where it is defined; it is translated where shown."""
    return message
