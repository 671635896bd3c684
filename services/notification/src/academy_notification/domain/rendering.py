"""Rendering messages from the Jinja2 templates shipped with the service.

Each message kind has ``templates/<language>/<kind>.subject.txt`` and ``<kind>.body.txt``; both
languages exist for every kind (a test renders each one). Templates use ``StrictUndefined``: a
name the context lacks is an error at render time, which the tests exercise for every kind, so a
template and its handler cannot drift apart silently. Times are quoted in one time zone per
message (the edition's; the program's for what concerns no edition, such as the digest), named
with its UTC offset, with month names in the recipient's language.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from academy_contracts.values import Language, Money
from academy_notification.domain.labels import MONTHS, label
from academy_notification.domain.messages import Rendered, Template
from academy_notification.domain.program import ProgramFacts

TEMPLATES_PACKAGE = ("academy_notification", "templates")
ELIDING = frozenset("aàâäeéèêëiîïoôöuùûüyh")


def _language(context: Context) -> Language:
    return Language(context["language"])


def format_day(value: date, language: Language) -> str:
    month = MONTHS[language][value.month - 1]
    if language is Language.FR:
        return f"{'1er' if value.day == 1 else value.day} {month} {value.year}"
    return f"{value.day} {month} {value.year}"


def format_instant(value: datetime, language: Language, time_zone: str) -> str:
    """The instant as read in ``time_zone``, which is named with its UTC offset: a reader
    elsewhere (an applicant in Tunis reading an Amman edition's deadline) can convert it."""
    local = value.astimezone(ZoneInfo(time_zone))
    day = format_day(local.date(), language)
    zone = f"{time_zone}, {_offset(local)}"
    if language is Language.FR:
        return f"{day} à {local:%H:%M} ({zone})"
    return f"{day}, {local:%H:%M} ({zone})"


def _offset(local: datetime) -> str:
    offset = local.utcoffset() or timedelta(0)
    if not offset:
        return "UTC"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes > 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_money(amount: Decimal, currency: str, language: Language) -> str:
    text = f"{amount:,.2f}"
    if language is Language.FR:
        text = text.replace(",", "\u202f").replace(".", ",")
    return f"{text} {currency}"


@pass_context
def _when(context: Context, value: datetime) -> str:
    return format_instant(value, _language(context), context["time_zone"])


@pass_context
def _day(context: Context, value: date) -> str:
    """A day; an instant is read in the message's time zone first."""
    if isinstance(value, datetime):
        value = value.astimezone(ZoneInfo(context["time_zone"])).date()
    return format_day(value, _language(context))


@pass_context
def _of(context: Context, name: str) -> str:
    """French elides ``de`` before a vowel or a mute h: "d'Algérie Santé", "de Pôle Santé";
    English says "of"."""
    if _language(context) is Language.EN:
        return f"of {name}"
    return f"d'{name}" if name[:1].lower() in ELIDING else f"de {name}"


@pass_context
def _money(context: Context, value: Money) -> str:
    return format_money(value.amount, value.currency.value, _language(context))


@pass_context
def _label(context: Context, value: StrEnum) -> str:
    return label(value, _language(context))


def environment() -> Environment:
    """The templates' environment: plain text for messages (nothing to escape), HTML escaped
    for the staff pages under ``staff/``."""
    env = Environment(
        loader=PackageLoader(*TEMPLATES_PACKAGE),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default=False),
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(when=_when, day=_day, money=_money, label=_label, of=_of)
    return env


class Renderer:
    """Renders a kind of message in a language, with the program's facts in every context."""

    def __init__(self, facts: ProgramFacts, time_zone: str) -> None:
        self._env = environment()
        self._facts = facts
        self._time_zone = time_zone

    def render(self, template: Template, language: Language, context: dict[str, Any]) -> Rendered:
        full = {
            "facts": self._facts,
            "time_zone": self._time_zone,
            **context,
            "language": language.value,
        }
        prefix = f"{language.value}/{template.value}"
        subject = self._env.get_template(f"{prefix}.subject.txt").render(full)
        body = self._env.get_template(f"{prefix}.body.txt").render(full)
        return Rendered(" ".join(subject.split()), body)

    def page(self, name: str, context: dict[str, Any]) -> str:
        """A staff HTML page (autoescaped)."""
        return self._env.get_template(f"staff/{name}.html").render(context)
