"""The programme manager's selection pages: the proposed selection of an edition as a country by
sector matrix with each cluster's place and why, the relaxation the solver proposes when the
balance rules cannot all hold (accepted or not), publication after a confirmation step, and the
published selection as it stands.

Selection decides everything here: its dry run (``POST …/selection/preview``) says who would be
in and out under which rules, and its publication refuses what it must (registration still
open, reviews missing, rules in conflict); those refusals are shown in the page's language. The
explanations are worded from the decisions' structured fields (ranks, the rules that bound),
not from the service's English summary."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from academy_contracts.events import ScreeningReason
from academy_contracts.roles import Role
from academy_contracts.values import Country, Sector
from academy_web.i18n import N_
from academy_web.pages.call import edition_view
from academy_web.pages.common import posted, services
from academy_web.services import Json, Refused
from academy_web.staff.console import Allowed, as_staff, redirect, render
from academy_web.staff.sessions import Person

router = APIRouter(prefix="/staff/selection")
ADMITTED = Allowed(Role.ADMIN)
Manager = Annotated[Person, Depends(ADMITTED)]

OFFER_DAYS = 14
"""Selection's default offer period; the confirmation step lets the manager change it."""
LONGEST_OFFER_DAYS = 90
"""The longest offer period selection accepts."""
HOLDING = ("offered", "confirmed")
"""Statuses that hold a place."""

REFUSALS = {
    "registration-open": N_(
        "Registration is still open: the selection is published after the deadline, when no "
        "more applications can arrive. Nothing was published."
    ),
    "reviews-missing": N_(
        "Some eligible applications do not have enough reviews yet, so they cannot be ranked. "
        "Nothing was published."
    ),
    "rules-conflict": N_(
        "The balance rules cannot all hold: accept the proposed relaxation, or change the "
        "rules. Nothing was published."
    ),
    "unknown-edition": N_(
        "The selection service does not know this edition yet. Nothing was published; try "
        "again in a moment."
    ),
}
"""Selection's refusals of a publication, by problem type, in the staff catalog's words."""
REFUSED = N_("The selection service refused to publish. Nothing was published.")
OFFER_PERIOD = N_("Give the offer period as a number of days from 1 to %(longest)s.")


def _where(kind: str, key: str) -> dict[str, str]:
    """What a rule counts: a country code, a sector, or a country within a sector."""
    if kind == "country":
        return {"country": key}
    if kind == "sector":
        return {"sector": key}
    country, _, sector = key.partition("/")
    return {"country": country, "sector": sector}


def rule(name: str, bound: int) -> dict[str, Any]:
    """A balance rule as selection names it (``capacity``, ``country_min:TN``,
    ``cell_max:TN/health``) with its bound, in parts the templates word: ``side`` is ``min``,
    ``max`` or ``capacity``."""
    if name == "capacity":
        return {"name": name, "side": "capacity", "num": bound}
    kind_side, _, key = name.partition(":")
    kind, _, side = kind_side.partition("_")
    return {"name": name, "side": side, "num": bound, **_where(kind, key)}


def bound_of(rules: Json, capacity: int, name: str) -> int:
    """The bound a rule holds under ``rules`` (selection's ``BalancePolicy``)."""
    if name == "capacity":
        return capacity
    kind_side, _, key = name.partition(":")
    kind, _, side = kind_side.partition("_")
    where = _where(kind, key)
    if kind == "cell":
        bounds = rules.get("cells", {}).get(where["country"], {}).get(where["sector"], {})
    else:
        bounds = rules.get("countries" if kind == "country" else "sectors", {}).get(key, {})
    return int(bounds.get("minimum" if side == "min" else "maximum") or 0)


def eligibility_reasons(summary: str | None) -> list[str]:
    """The screening codes of a not-eligible decision ("Not eligible: eccp_missing, …"), the
    only place the draft names them; only known codes are kept, and the page words them."""
    _, _, codes = (summary or "").partition(":")
    known = {reason.value for reason in ScreeningReason}
    return [code.strip() for code in codes.split(",") if code.strip() in known]


def _quota(bounds: Json | None) -> dict[str, Any]:
    bounds = bounds or {}
    return {"minimum": bounds.get("minimum") or 0, "maximum": bounds.get("maximum")}


def matrix(decisions: list[Json], rules: Json, relaxations: list[Json]) -> dict[str, Any]:
    """Countries by sectors: each cell's clusters counted by status, and each country and
    sector with the places it takes against its quota (the relaxed quota where the solver
    relaxed one, with what the rule asked)."""
    cells: dict[str, Counter[str]] = {}
    taken: Counter[str] = Counter()
    for decision in decisions:
        country, sector = decision["cluster"]["country"], decision["cluster"]["sector"]
        cells.setdefault(f"{country}/{sector}", Counter())[decision["status"]] += 1
        if decision["status"] in HOLDING:
            taken.update((country, sector, f"{country}/{sector}"))
    asked = {r["rule"]: r["bound"] for r in relaxations}

    def line(kind: str, key: str, bounds: Json | None) -> dict[str, Any]:
        return {
            "code": key,
            "taken": taken[key],
            **_quota(bounds),
            "asked_minimum": asked.get(f"{kind}_min:{key}"),
            "asked_maximum": asked.get(f"{kind}_max:{key}"),
        }

    cell_rules = rules.get("cells", {})
    return {
        "countries": [
            line("country", c.value, rules.get("countries", {}).get(c.value)) for c in Country
        ],
        "sectors": [line("sector", s.value, rules.get("sectors", {}).get(s.value)) for s in Sector],
        "cells": {
            f"{c.value}/{s.value}": line(
                "cell", f"{c.value}/{s.value}", cell_rules.get(c.value, {}).get(s.value)
            )
            | {"counts": dict(cells.get(f"{c.value}/{s.value}", {}))}
            for c in Country
            for s in Sector
        },
        "taken": sum(taken[c.value] for c in Country),
    }


def explained(decisions: list[Json], rules: Json, capacity: int) -> list[dict[str, Any]]:
    """Each decision with what its explanation says, in parts the templates word: its score,
    its ranks (of how many, overall, in its country, in its sector), the rules that placed it
    against the ranking, or why it was not eligible."""
    ranked = [d for d in decisions if d["explanation"].get("rank") is not None]
    sizes = Counter(
        key for d in ranked for key in (d["cluster"]["country"], d["cluster"]["sector"])
    )
    found = []
    for decision in decisions:
        explanation = decision["explanation"]
        cluster = decision["cluster"]
        found.append(
            {
                **decision,
                "score": explanation.get("score"),
                "rank": explanation.get("rank"),
                "ranked": len(ranked),
                "country_rank": explanation.get("rank_in_country"),
                "in_country": sizes[cluster["country"]],
                "sector_rank": explanation.get("rank_in_sector"),
                "in_sector": sizes[cluster["sector"]],
                "binding": [
                    rule(name, bound_of(rules, capacity, name))
                    for name in explanation.get("binding_rules") or []
                ],
                "not_eligible": eligibility_reasons(explanation.get("summary"))
                if decision.get("rejection") == "not_eligible"
                else [],
                "offer_deadline": _instant(decision.get("offer_deadline")),
            }
        )
    return found


def _instant(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def in_cell(decisions: list[dict[str, Any]], cell: str) -> list[dict[str, Any]]:
    """The decisions of one country within one sector ("TN/health"), or all of them."""
    if not cell:
        return decisions
    return [d for d in decisions if f"{d['cluster']['country']}/{d['cluster']['sector']}" == cell]


async def _edition(request: Request, edition_id: str) -> dict[str, Any]:
    try:
        return edition_view(await services(request).edition(edition_id), datetime.now(UTC))
    except Refused as refusal:
        raise HTTPException(404) from refusal


async def _published(request: Request, person: Person, edition_id: str) -> Json | None:
    """The published selection, or None before publication."""
    path = f"/v1/editions/{edition_id}/selection"
    try:
        found: Json = await as_staff(request, person, "selection", "GET", path)
    except Refused as refusal:
        if refusal.kind in ("not-published", "unknown-edition"):
            return None
        raise
    return found


async def _preview(request: Request, person: Person, edition_id: str) -> Json | None:
    """Selection's dry run, or None while it does not know the edition."""
    path = f"/v1/editions/{edition_id}/selection/preview"
    try:
        found: Json = await as_staff(request, person, "selection", "POST", path)
    except Refused as refusal:
        if refusal.kind == "unknown-edition":
            return None
        raise
    return found


def _proposal(preview: Json) -> dict[str, Any]:
    """The dry run as the preview and the confirmation show it."""
    rules, capacity = preview["rules"], preview["capacity"]
    decisions = preview["selected"] + preview["waitlist"] + preview["rejected"]
    asked = {r["rule"]: r["bound"] for r in preview["relaxations"]}
    return {
        "feasible": preview["feasible"],
        "capacity": capacity,
        "conflicts": [  # the rules as asked: the preview's rules are the relaxed ones
            [rule(name, asked.get(name, bound_of(rules, capacity, name))) for name in conflict]
            for conflict in preview["conflicts"]
        ],
        "relaxations": [
            {"asked": rule(r["rule"], r["bound"]), "proposed": rule(r["rule"], r["relaxed_to"])}
            for r in preview["relaxations"]
        ],
        "decisions": explained(decisions, rules, capacity),
        "matrix": matrix(decisions, rules, preview["relaxations"]),
        "counts": Counter(d["status"] for d in decisions),
        "unranked": preview["unranked"],
    }


@router.get("")
async def pick(request: Request, person: Manager) -> Response:
    now = datetime.now(UTC)
    editions = [edition_view(e, now) for e in await services(request).editions()]
    editions.sort(key=lambda e: e["deadline"], reverse=True)
    return render(request, "staff/selection_pick.html", person, editions=editions, now=now)


@router.get("/{edition_id}")
async def selection(
    request: Request, person: Manager, edition_id: str, cell: str = "", published: str = ""
) -> Response:
    """The proposed selection until it is published; the published one after."""
    edition = await _edition(request, edition_id)
    done = await _published(request, person, edition_id)
    if done is not None:
        decisions = explained(done["decisions"], done["rules"], done["capacity"])
        return render(
            request,
            "staff/selection_published.html",
            person,
            edition=edition,
            selection=done,
            published_at=datetime.fromisoformat(done["published_at"]),
            matrix=matrix(done["decisions"], done["rules"], []),
            counts=Counter(d["status"] for d in done["decisions"]),
            decisions=in_cell(decisions, cell),
            cell=cell,
            just_published=bool(published),
        )
    preview = await _preview(request, person, edition_id)
    if preview is None:
        return render(request, "staff/selection.html", person, edition=edition, proposal=None)
    proposal = _proposal(preview)
    return render(
        request,
        "staff/selection.html",
        person,
        edition=edition,
        proposal=proposal,
        decisions=in_cell(proposal["decisions"], cell),
        cell=cell,
    )


async def _confirmation(
    request: Request,
    person: Person,
    edition_id: str,
    *,
    relax: bool,
    offer_days: str = str(OFFER_DAYS),
    refusal: str = "",
    status_code: int = 200,
) -> Response:
    edition = await _edition(request, edition_id)
    if await _published(request, person, edition_id) is not None:
        return redirect(request, f"/staff/selection/{edition_id}", person)
    preview = await _preview(request, person, edition_id)
    return render(
        request,
        "staff/selection_publish.html",
        person,
        status_code,
        edition=edition,
        proposal=_proposal(preview) if preview else None,
        relax=relax,
        offer_days=offer_days,
        longest=LONGEST_OFFER_DAYS,
        refusal=refusal,
    )


@router.get("/{edition_id}/publish")
async def confirm(request: Request, person: Manager, edition_id: str, relax: str = "") -> Response:
    """The confirmation step: what publishing will send, and the offer period."""
    return await _confirmation(request, person, edition_id, relax=relax == "accepted")


@router.post("/{edition_id}/publish")
async def publish(request: Request, person: Manager, edition_id: str) -> Response:
    form = await posted(request)
    relax = form.get("relax") == "accepted"
    offer_days = str(form.get("offer_days") or "").strip()
    words = request.app.state.staff.gettext
    if not offer_days.isdigit() or not 1 <= int(offer_days) <= LONGEST_OFFER_DAYS:
        return await _confirmation(
            request,
            person,
            edition_id,
            relax=relax,
            offer_days=offer_days,
            refusal=words(OFFER_PERIOD) % {"longest": LONGEST_OFFER_DAYS},
            status_code=422,
        )
    body = {"offer_period": int(offer_days) * 86400, "accept_relaxations": relax}
    path = f"/v1/editions/{edition_id}/selection"
    try:
        await as_staff(request, person, "selection", "POST", path, json=body)
    except Refused as refused:
        return await _confirmation(
            request,
            person,
            edition_id,
            relax=relax,
            offer_days=offer_days,
            refusal=words(REFUSALS.get(refused.kind, REFUSED)),
            status_code=409 if refused.status == 409 else 422,
        )
    return redirect(request, f"/staff/selection/{edition_id}?published=1", person)
