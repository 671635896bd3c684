"""The check-in desk: pick a session, find a participant by name, cluster or country, check
them in with one click or by scanning the check-in pass on their page (a handheld scanner types
it into the pass field and presses Enter: no script, no camera permission), undo a check-in made
by mistake, see who is in and who is still missing.

The search runs here, on the server, over the edition's selected clusters (a few dozen people:
registration sends them in one answer), so the page works without JavaScript; ``staff.js``
only submits the search as the clerk types. A page shows at most :data:`SHOWN` people."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
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
RECENT = 5
"""The latest check-ins the desk lists with an Undo button: a mistake is seen at once."""
PASS_REFUSALS = frozenset({"link-expired", "link-invalid", "pass-other-edition"})
"""Registration's refusals of a scanned pass: the clerk is told which, on the desk (422)."""
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
    undone: str = "",
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
    undone_row = next((r for r in everyone if r["participant_id"] == undone), None)
    present = [r for r in everyone if r["check_in"]]
    recent = sorted(present, key=lambda r: r["check_in"]["attended_at"], reverse=True)[:RECENT]
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
        present=len(present),
        total=len(everyone),
        recent=recent,
        done=done_row,
        undone=undone_row,
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
    undone: str = "",
) -> Response:
    missing = show == "missing"
    return await _page(request, person, session, q.strip(), missing, done=done, undone=undone)


@router.post("/check-ins")
async def check_in(request: Request, person: DeskStaff) -> Response:
    """One click (the participant's id), or a scanned check-in pass: the participant is
    recorded present, and the desk shows the same search. Registration checks the pass."""
    form = await posted(request)
    session_key, query, missing_only = _search_of(form)
    edition_id, _, session_id = session_key.partition("/")
    scanned = str(form.get("check_in_pass") or "").strip()
    body = (
        {"check_in_pass": scanned}
        if scanned
        else {"participant_id": str(form.get("participant_id") or "")}
    )
    try:
        recorded = await as_staff(
            request,
            person,
            "registration",
            "POST",
            f"/v1/editions/{edition_id}/sessions/{session_id}/check-ins",
            json=body,
        )
    except Refused as refusal:
        kind = refusal.kind or "refused"
        return await _page(
            request,
            person,
            session_key,
            query,
            missing_only,
            refusal=kind,
            status_code=422 if kind in PASS_REFUSALS else refusal.status,
        )
    url = desk_url(session_key, query, missing_only, done=recorded["participant_id"])
    return redirect(request, url, person)


@router.post("/check-ins/undo")
async def undo_check_in(request: Request, person: DeskStaff) -> Response:
    """Strike out a check-in made by mistake; undoing it twice is undoing it once."""
    form = await posted(request)
    session_key, query, missing_only = _search_of(form)
    edition_id, _, session_id = session_key.partition("/")
    participant_id = str(form.get("participant_id") or "")
    path = f"/v1/editions/{edition_id}/sessions/{session_id}/check-ins/{quote(participant_id)}"
    try:
        await as_staff(request, person, "registration", "DELETE", path)
    except Refused as refusal:
        return await _page(
            request,
            person,
            session_key,
            query,
            missing_only,
            refusal=refusal.kind or "refused",
            status_code=refusal.status,
        )
    url = desk_url(session_key, query, missing_only, undone=participant_id)
    return redirect(request, url, person)


def _search_of(form: FormData) -> tuple[str, str, bool]:
    """The session and search a desk form carries, so the desk comes back to the same list."""
    return (
        str(form.get("session") or ""),
        str(form.get("q") or "").strip(),
        form.get("show") == "missing",
    )
