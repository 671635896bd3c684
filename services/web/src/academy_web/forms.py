"""Forms as a person fills them and the JSON bodies the services take, both ways, and the
services' problem+json errors turned into messages next to the fields they name.

Field names in the pages are the dotted paths the APIs report errors under
(``cluster.country``, ``participants.1.email``), so an error finds its field without a table;
only messages are translated here, by the kind of message pydantic writes."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from academy_contracts.values import ParticipantRole
from academy_web.i18n import DASH, N_

Values = dict[str, str]
Gettext = Callable[[str], str]

TEAM = (ParticipantRole.CLUSTER_MANAGER, ParticipantRole.BOARD_MEMBER, ParticipantRole.BOARD_MEMBER)
"""The three participants the call asks for, in the order the form shows them."""

APPLICATION_FIELDS = (
    "cluster.name",
    "cluster.country",
    "cluster.sector",
    "cluster.eccp_id",
    "cluster.eccp_profile_url",
    *(
        f"participants.{i}.{f}"
        for i in range(3)
        for f in ("full_name", "email", "phone", "language")
    ),
    "motivations",
    "expectations",
)
CHECKBOXES = ("can_advance_costs", "commits_to_attend")

COMPANY_FIELDS = (
    "company_name",
    "country",
    "sector",
    "cluster_name",
    "contact.full_name",
    "contact.email",
    "contact.phone",
    "contact.language",
    "interests",
)


def values_of(form: Mapping[str, Any], fields: tuple[str, ...]) -> Values:
    """What the visitor typed, trimmed of nothing, so a page re-rendered on an error shows it
    exactly; checkboxes are "on" or absent."""
    values = {name: str(form.get(name) or "") for name in fields}
    for name in CHECKBOXES:
        if form.get(name):
            values[name] = "on"
    return values


def _optional(value: str) -> str | None:
    return value.strip() or None


def application_body(values: Values) -> dict[str, Any]:
    """The content of an application (what amending sends; submitting adds the edition)."""
    return {
        "cluster": {
            "name": values.get("cluster.name", ""),
            "country": values.get("cluster.country", ""),
            "sector": values.get("cluster.sector", ""),
            "eccp_id": _optional(values.get("cluster.eccp_id", "")),
            "eccp_profile_url": _optional(values.get("cluster.eccp_profile_url", "")),
        },
        "participants": [
            {
                "role": str(role),
                "full_name": values.get(f"participants.{i}.full_name", ""),
                "email": values.get(f"participants.{i}.email", "").strip(),
                "phone": _optional(values.get(f"participants.{i}.phone", "")),
                "language": values.get(f"participants.{i}.language", ""),
            }
            for i, role in enumerate(TEAM)
        ],
        "motivations": values.get("motivations", ""),
        "expectations": values.get("expectations", ""),
        "can_advance_costs": values.get("can_advance_costs") == "on",
        "commits_to_attend": values.get("commits_to_attend") == "on",
    }


def application_values(application: Mapping[str, Any]) -> Values:
    """An application as the service holds it, as the form shows it for amending."""
    cluster = application["cluster"]
    values = {
        "cluster.name": cluster["name"],
        "cluster.country": cluster["country"],
        "cluster.sector": cluster["sector"],
        "cluster.eccp_id": cluster.get("eccp_id") or "",
        "cluster.eccp_profile_url": cluster.get("eccp_profile_url") or "",
        "motivations": application["motivations"],
        "expectations": application["expectations"],
    }
    managers = [p for p in application["participants"] if p["role"] == TEAM[0]]
    board = [p for p in application["participants"] if p["role"] != TEAM[0]]
    for i, person in enumerate(managers + board):
        for name in ("full_name", "email", "phone", "language"):
            values[f"participants.{i}.{name}"] = person.get(name) or ""
    for name in CHECKBOXES:
        if application.get(name):
            values[name] = "on"
    return values


def company_body(values: Values, edition_id: str | None) -> dict[str, Any]:
    interests = [line.strip() for line in values.get("interests", "").splitlines()]
    return {
        "company_name": values.get("company_name", ""),
        "country": values.get("country", ""),
        "sector": values.get("sector", ""),
        "edition_id": edition_id,
        "cluster_name": _optional(values.get("cluster_name", "")),
        "contact": {
            "full_name": values.get("contact.full_name", ""),
            "email": values.get("contact.email", "").strip(),
            "phone": _optional(values.get("contact.phone", "")),
            "language": values.get("contact.language", ""),
        },
        "interests": [line for line in interests if line],
    }


LABELS = {
    "cluster.name": N_("Cluster name"),
    "cluster.country": N_("Country"),
    "cluster.sector": N_("Sector"),
    "cluster.eccp_id": N_("ECCP profile id"),
    "cluster.eccp_profile_url": N_("ECCP profile address"),
    "full_name": N_("Full name"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "language": N_("Preferred language"),
    "motivations": N_("Motivations"),
    "expectations": N_("Expectations"),
    "can_advance_costs": N_("Declarations"),
    "commits_to_attend": N_("Declarations"),
    "company_name": N_("Company name"),
    "country": N_("Country"),
    "sector": N_("Sector"),
    "cluster_name": N_("Cluster the company belongs to, if any"),
    "interests": N_("Interests"),
}
"""What the form calls each field, so the list of errors at the top of a page says which
field each one is about (three participants each have an email field)."""


def field_label(name: str, gettext: Gettext) -> str:
    """The field ``name`` as the page labels it; empty for a name no form field has."""
    parts = name.split(".")
    if parts[0] == "participants" and len(parts) >= 2 and parts[1].isdigit():
        n = int(parts[1])
        person = gettext("Cluster manager") if n == 0 else gettext("Board member %(n)s") % {"n": n}
        field = LABELS.get(parts[2], "") if len(parts) == 3 else ""
        return f"{person} {DASH} {gettext(field)}" if field else person
    if parts[0] == "contact" and len(parts) == 2:
        name = parts[1]
    return gettext(LABELS[name]) if name in LABELS else ""


_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"^Field required", N_("This field is required.")),
        (r"^String should have at least 1 character", N_("This field is required.")),
        (r"^String should have at most", N_("This is too long.")),
        (r"email address", N_("This is not a valid email address.")),
        (r"^Input should be a valid URL", N_("This is not a web address (https://…).")),
        (
            r"ECCP profile is a page on",
            N_("The ECCP profile is a page on clustercollaboration.eu."),
        ),
        (r"the URL names no profile", N_("This address names no ECCP profile.")),
        (
            r"give the ECCP profile id or the profile URL",
            N_(
                "Give the cluster's ECCP profile id or its profile address: clusters must be "
                "registered on the European Cluster Collaboration Platform."
            ),
        ),
        (r"distinct emails", N_("Each participant needs their own email address.")),
        (
            r"exactly one cluster_manager",
            N_("The team is the cluster manager and two board members."),
        ),
        (
            r"^String should match pattern",
            N_("Only letters, digits, dots, dashes and underscores."),
        ),
        (r"^Input should be a valid date", N_("This is not a date.")),
        (r"^Input should be a valid decimal|greater than 0", N_("This is not an amount above 0.")),
        (r"IBAN", N_("This is not a valid IBAN.")),
        (r"BIC", N_("This is not a valid BIC (SWIFT) code.")),
        (
            r"either an iban or an account_number",
            N_("Give an IBAN or an account number, not both."),
        ),
        (r"country", N_("Choose a country from the list.")),
        (r"^Input should be", N_("Choose one of the values offered.")),
    )
)


def field_errors(
    errors: list[dict[str, Any]], gettext: Gettext, label_of: Callable[[str], str]
) -> dict[str, str]:
    """Each problem error as a sentence in the page's language, by the form field it names.
    Enum errors list the allowed values by their labels (``label_of``); a message no pattern
    knows is shown as the service wrote it, after a translated lead."""
    found: dict[str, str] = {}
    for error in errors:
        field = str(error.get("field") or "body")
        message = str(error.get("message") or "")
        sentence = next(
            (gettext(text) for pattern, text in _MESSAGES if pattern.search(message)), None
        )
        if sentence is None:
            sentence = gettext("This value is not accepted:") + " " + message
        allowed = error.get("allowed")
        if allowed:
            choices = ", ".join(label_of(str(value)) for value in allowed)
            sentence = gettext("Choose one of: %(choices)s.") % {"choices": choices}
        found[field] = f"{found[field]} {sentence}" if field in found else sentence
    return found
