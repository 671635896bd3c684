"""The funder's report on an edition, as the programme manager reads it: the documents
service's report (built from the events alone) shown as figures, bars and tables in the page's
language. The page computes nothing but the bars' lengths: the figures are the service's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import format_decimal, format_percent
from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from academy_contracts.roles import Role
from academy_web import i18n
from academy_web.i18n import N_
from academy_web.pages.call import edition_view
from academy_web.pages.common import services
from academy_web.services import Json, Refused
from academy_web.staff.console import Allowed, as_staff, render
from academy_web.staff.sessions import Person

router = APIRouter(prefix="/staff/report")
ADMITTED = Allowed(Role.ADMIN)
Manager = Annotated[Person, Depends(ADMITTED)]

SEXES = {
    "female": N_("Women"),
    "male": N_("Men"),
    "other": N_("Other"),
    "prefer_not_to_say": N_("Prefer not to say"),
    "not_stated": N_("Not stated"),
}
FUNNEL = ("applications", "eligible", "selected", "confirmed")
"""The report's stages, named in the page (``report.html``, in the "report funnel" context)."""


def _share(part: int | str | Decimal, whole: int | str | Decimal) -> int:
    """``part`` as a whole percentage of ``whole``: a bar's length."""
    whole = Decimal(whole)
    return 0 if not whole else round(Decimal(part) * 100 / whole)


def report_view(report: Json, sessions: dict[str, str]) -> dict[str, Any]:
    """The report's figures with what the page draws: each bar's length, each session's
    title, rates as percentages and days as numbers in the page's language."""
    language = i18n.current.get()

    def percent(rate: str | None) -> str:
        return "—" if rate is None else str(format_percent(Decimal(rate), locale=language))

    def days(value: str | None) -> str:
        return "—" if value is None else str(format_decimal(Decimal(value), locale=language))

    applications = report["applications"]
    participants = report["participants"]
    return {
        **report,
        "funnel": [(stage, report[stage], _share(report[stage], applications)) for stage in FUNNEL],
        "groups": [
            {**group, "bar": _share(group["participants"], participants)}
            for group in report["participants_by_country_sector_sex"]
        ],
        "sessions": [
            {
                **session,
                "starts_at": datetime.fromisoformat(session["starts_at"]),
                "title": sessions.get(session["session_id"], session["session_id"]),
                "percent": percent(session["rate"]),
                "bar": _share(session["present"], participants),
            }
            for session in report["attendance"]
        ],
        "completion": percent(report["completion_rate"]),
        "completion_bar": _share(report["completed"], participants),
        "delay": {
            key: days(report["claim_to_payment"][key])
            for key in ("mean_days", "median_days", "longest_days")
        },
    }


@router.get("")
async def report_page(request: Request, person: Manager, edition: str = "") -> Response:
    now = datetime.now(UTC)
    if not edition:
        editions = [edition_view(e, now) for e in await services(request).editions()]
        editions.sort(key=lambda e: e["deadline"], reverse=True)
        return render(request, "staff/report_pick.html", person, editions=editions)
    try:
        view = edition_view(await services(request).edition(edition), now)
    except Refused as refusal:
        raise HTTPException(404) from refusal
    try:
        report = await as_staff(
            request, person, "documents", "GET", f"/v1/editions/{edition}/report"
        )
    except Refused as refusal:
        if refusal.kind != "edition-unknown":
            raise
        return render(request, "staff/report.html", person, 409, edition=view, report=None)
    titles = {s["session_id"]: s["title"] for s in view["sessions"]}
    return render(
        request,
        "staff/report.html",
        person,
        edition=view,
        report=report_view(report, titles),
        sexes=SEXES,
    )
