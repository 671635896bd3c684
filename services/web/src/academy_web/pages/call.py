"""The call for applications: the editions, and per edition who may apply, what selection
asks, the sessions and the deadline, with the two ways in (cluster, company) while it is open."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from academy_web import i18n
from academy_web.pages.common import services
from academy_web.rendering import render
from academy_web.services import Refused

router = APIRouter()


def edition_view(edition: dict[str, Any], now: datetime) -> dict[str, Any]:
    """An edition as the pages show it: its title in the page's language, its instants as
    aware datetimes, whether it is still open, its sessions in order."""
    deadline = datetime.fromisoformat(edition["registration_deadline"])
    sessions = sorted(
        (
            {
                **session,
                "title": session["title"].get(i18n.current.get()) or session["title"]["en"],
                "starts_at": datetime.fromisoformat(session["starts_at"]),
                "ends_at": datetime.fromisoformat(session["ends_at"]),
            }
            for session in edition.get("sessions", [])
        ),
        key=lambda session: session["starts_at"],
    )
    return {
        **edition,
        "title": edition["title"].get(i18n.current.get()) or edition["title"]["en"],
        "deadline": deadline,
        "zone": ZoneInfo(edition.get("time_zone") or "Europe/Paris"),
        "open": now <= deadline,
        "sessions": sessions,
    }


async def open_edition(request: Request, edition_id: str) -> dict[str, Any]:
    try:
        edition = await services(request).edition(edition_id)
    except Refused as refusal:
        if refusal.status == 404:
            raise HTTPException(404) from refusal
        raise
    return edition_view(edition, datetime.now(UTC))


@router.get("/")
async def home(request: Request) -> Response:
    now = datetime.now(UTC)
    editions = [edition_view(e, now) for e in await services(request).editions()]
    editions.sort(key=lambda e: e["deadline"], reverse=True)
    return render(request, "home.html", editions=editions)


@router.get("/editions/{edition_id}")
async def call_page(request: Request, edition_id: str) -> Response:
    return render(request, "call.html", edition=await open_edition(request, edition_id))
