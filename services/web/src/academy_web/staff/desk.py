"""The check-in desk: pick a session, find a participant by name, cluster or country, check
them in with one click, see who is in and who is still missing.

The search runs here, on the server, over the edition's selected clusters (a few dozen people:
registration sends them in one answer), so the page works without JavaScript; ``staff.js``
only submits the search as the clerk types. A page shows at most :data:`SHOWN` people."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from academy_contracts.roles import Role
from academy_web import i18n
from academy_web.pages.call import edition_view
from academy_web.pages.common import posted, services
from academy_web.services import Json, Refused
from academy_web.staff.console import Allowed, as_staff, redirect, render
from academy_web.staff.sessions import Person

router = APIRouter(prefix="/staff/desk")
ADMITTED = Allowed(Role.CHECKIN, Role.ADMIN)
DeskStaff = Annotated[Person, Depends(ADMITTED)]

SHOWN = 50
OPENS_BEFORE = timedelta(hours=1)
"""Registration's default check-in window opens an hour before a session: the session
preselected is the first whose window has not closed."""


def folded(text: str) -> str:
    """Lower case without accents: "Hélène" is found by typing "helene"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _sessions(editions: list[Json], now: datetime) -> list[dict[str, Any]]:
    """Every session of every edition, soonest first, as the picker lists them."""
    found = []
    for edition in editions:
        view = edition_view(edition, now)
        for session in view["sessions"]:
            found.append(
                {
                    "key": f"{view['edition_id']}/{session['session_id']}",
                    "edition": view,
                    "session": session,
                    "open": session["starts_at"] - OPENS_BEFORE <= now <= session["ends_at"],
                }
            )
    found.sort(key=lambda s: s["session"]["starts_at"])
    return found


def rows(expected: list[Json], check_ins: list[Json]) -> list[dict[str, Any]]:
    """One row per expected participant, with their check-in if they have one."""
    present = {
        c["participant_id"]: {**c, "attended_at": datetime.fromisoformat(c["attended_at"])}
        for c in check_ins
    }
    found = []
    for cluster in expected:
        for person in cluster["participants"]:
            country = cluster.get("country") or ""
            found.append(
                {
                    **person,
                    "application_id": cluster["application_id"],
                    "cluster_name": cluster["cluster_name"],
                    "country": country,
                    "country_name": i18n.country_name(country) if country else "",
                    "check_in": present.get(person["participant_id"]),
                }
            )
    found.sort(key=lambda r: folded(r["full_name"]))
    return found


def matching(found: list[dict[str, Any]], query: str, missing_only: bool) -> list[dict[str, Any]]:
    """Rows whose name, cluster, country code or country name (in the page's language)
    holds every word typed."""
    words = folded(query).split()
    kept = []
    for row in found:
        if missing_only and row["check_in"]:
            continue
        haystack = folded(
            " ".join((row["full_name"], row["cluster_name"], row["country"], row["country_name"]))
        )
        if all(word in haystack for word in words):
            kept.append(row)
    return kept


def desk_url(session_key: str, query: str = "", missing: bool = False, **extra: str) -> str:
    params = {"session": session_key, "q": query, **extra}
    if missing:
        params["show"] = "missing"
    return "/staff/desk?" + urlencode({k: v for k, v in params.items() if v})


async def _page(
    request: Request,
    person: Person,
    session_key: str,
    query: str,
    missing_only: bool,
    *,
    done: str = "",
    refusal: str = "",
    status_code: int = 200,
) -> Response:
    now = datetime.now(UTC)
    sessions = _sessions(await services(request).editions(), now)
    chosen = next((s for s in sessions if s["key"] == session_key), None)
    if chosen is None:
        upcoming = next((s for s in sessions if s["session"]["ends_at"] >= now), None)
        return render(
            request,
            "staff/desk_pick.html",
            person,
            404 if session_key else 200,
            sessions=sessions,
            suggested=upcoming["key"] if upcoming else "",
        )
    edition_id = chosen["edition"]["edition_id"]
    session_id = chosen["session"]["session_id"]
    base = f"/v1/editions/{edition_id}"
    expected = await as_staff(request, person, "registration", "GET", f"{base}/participants")
    check_ins = await as_staff(
        request, person, "registration", "GET", f"{base}/sessions/{session_id}/check-ins"
    )
    everyone = rows(expected, check_ins)
    found = matching(everyone, query, missing_only)
    done_row = next((r for r in everyone if r["participant_id"] == done), None)
    return render(
        request,
        "staff/desk.html",
        person,
        status_code,
        chosen=chosen,
        query=query,
        missing_only=missing_only,
        shown=found[:SHOWN],
        hidden=max(0, len(found) - SHOWN),
        present=sum(1 for r in everyone if r["check_in"]),
        total=len(everyone),
        done=done_row,
        refusal=refusal,
        desk_url=desk_url,
    )


@router.get("")
async def desk(
    request: Request,
    person: DeskStaff,
    session: str = "",
    q: str = "",
    show: str = "",
    done: str = "",
) -> Response:
    return await _page(request, person, session, q.strip(), show == "missing", done=done)


@router.post("/check-ins")
async def check_in(request: Request, person: DeskStaff) -> Response:
    """One click: the participant is recorded present, and the desk shows the same search."""
    form = await posted(request)
    session_key = str(form.get("session") or "")
    query = str(form.get("q") or "").strip()
    missing_only = form.get("show") == "missing"
    participant_id = str(form.get("participant_id") or "")
    edition_id, _, session_id = session_key.partition("/")
    try:
        await as_staff(
            request,
            person,
            "registration",
            "POST",
            f"/v1/editions/{edition_id}/sessions/{session_id}/check-ins",
            json={"participant_id": participant_id},
        )
    except Refused as refusal:
        return await _page(
            request,
            person,
            session_key,
            query,
            missing_only,
            refusal=refusal.kind or "refused",
            status_code=422 if refusal.status == 422 else refusal.status,
        )
    url = desk_url(session_key, query, missing_only, done=participant_id)
    return redirect(request, url, person)
