"""Finance's claims: the queue of claims by state, and one claim with its lines, receipts,
the amount it reimburses (90% of its capped euro total) and the participant's attendance;
approve a complete claim, or reject one with the reason.

The reimbursement service decides: it counts the amount (``…/assessment``, the rule approval
applies), says which sessions were missed, and refuses to approve a claim whose participant
missed one. The console shows that refusal before anyone clicks, and again, in the person's
language, if the approval is posted anyway. A queue page asks the service for one page of
claims, then each one's attendance and amount at once."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from academy_contracts.roles import Role
from academy_web.i18n import N_
from academy_web.pages.call import edition_view
from academy_web.pages.common import posted, services
from academy_web.services import Json, Refused
from academy_web.staff.console import Allowed, as_staff, console, redirect, render, role_token
from academy_web.staff.sessions import Person

router = APIRouter(prefix="/staff/finance")
ADMITTED = Allowed(Role.FINANCE)
"""Finance alone: the reimbursement service admits no other role to claims (the admin only to
caps), so a page for the admin would show nothing it may read."""
FinanceStaff = Annotated[Person, Depends(ADMITTED)]

PAGE = 20
STATES = ("complete", "documents_missing", "approved", "rejected", "paid")
"""Claim states in the order finance works through them: the queue opens on the first."""
REFUSALS = {
    "attendance-incomplete": N_(
        "This claim cannot be approved: attendance of every session is compulsory, and the "
        "participant missed a session that is not excused. Nothing was approved."
    ),
    "missing-rate": N_(
        "This claim cannot be approved yet: an exchange rate it needs is missing from the rate "
        "table. Nothing was approved."
    ),
    "selection-revoked": N_(
        "The cluster's selection was revoked after the claim was sent: only participants of a "
        "selected cluster are reimbursed. Reject the claim."
    ),
    "wrong-claim-state": N_(
        "The claim is no longer waiting for a decision (someone decided it meanwhile). Nothing "
        "was changed."
    ),
    "edition-unknown": N_(
        "The reimbursement service does not know the edition's sessions yet, so attendance "
        "cannot be checked. Try again in a moment."
    ),
}


def _page_url(state: str, offset: int = 0, **extra: str) -> str:
    params = {"state": state, **extra}
    if offset:
        params["offset"] = str(offset)
    return "/staff/finance?" + urlencode({k: v for k, v in params.items() if v})


def claimed_totals(claim: Json) -> list[tuple[Decimal, str]]:
    """What the participant advanced, one total per currency, in the lines' order."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in claim["lines"]:
        totals[line["amount"]["currency"]] += Decimal(line["amount"]["amount"])
    return [(total, currency) for currency, total in totals.items()]


def receipts(claim: Json) -> list[Json]:
    """Every supporting document of the claim once, with the lines it supports."""
    found: dict[str, Json] = {}
    for line in claim["lines"]:
        for document in line["documents"]:
            entry = found.setdefault(document["document_id"], {**document, "lines": []})
            entry["lines"].append(line["line_id"])
    return list(found.values())


def attendance_view(check: Json | None, sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """The participant's attendance in words: each session attended, excused, missed or not
    over yet; ``blocked`` when a missed session stops approval. ``check`` is None when the
    service cannot tell (it does not know the edition yet)."""
    if check is None:
        return {"known": False, "blocked": False, "waiting": False, "sessions": [], "missed": []}
    titles = {s["session_id"]: s for s in sessions}
    missed, excused = set(check["missed"]), set(check["excused"])
    not_ended = set(check["not_ended"])
    listed = []
    for session_id in titles.keys() | missed | excused | not_ended:
        status = (
            "missed"
            if session_id in missed
            else "excused"
            if session_id in excused
            else "not_ended"
            if session_id in not_ended
            else "attended"
        )
        session = titles.get(session_id, {"session_id": session_id, "title": session_id})
        listed.append({**session, "status": status})
    listed.sort(key=lambda s: (s.get("starts_at") is None, s.get("starts_at"), s["session_id"]))
    return {
        "known": True,
        "blocked": bool(missed),
        "waiting": bool(not_ended),
        "sessions": listed,
        "missed": [s for s in listed if s["status"] == "missed"],
    }


async def _maybe(call: Any) -> Json | Refused | None:
    """A read whose refusal is shown on the page (a missing rate, an unknown edition) rather
    than ending it."""
    try:
        found: Json = await call
    except Refused as refusal:
        return refusal
    return found


async def _editions(request: Request, edition_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The editions the claims belong to, as registration publishes them (titles, sessions)."""
    now = datetime.now(UTC)
    found: dict[str, dict[str, Any]] = {}
    for edition_id in sorted(edition_ids):
        try:
            found[edition_id] = edition_view(await services(request).edition(edition_id), now)
        except Refused:
            found[edition_id] = {"edition_id": edition_id, "title": edition_id, "sessions": []}
    return found


async def _details(request: Request, person: Person, claim: Json) -> tuple[Any, Any]:
    """The claim's attendance check and its assessment (or the refusal of either)."""
    attendance_path = (
        f"/v1/editions/{claim['edition_id']}/participants/{claim['participant_id']}/attendance"
    )
    assessment_path = f"/v1/claims/{claim['claim_id']}/assessment"
    return await asyncio.gather(
        _maybe(as_staff(request, person, "reimbursement", "GET", attendance_path)),
        _maybe(as_staff(request, person, "reimbursement", "GET", assessment_path)),
    )


def _row(claim: Json, edition: dict[str, Any], check: Any, assessment: Any) -> dict[str, Any]:
    return {
        **claim,
        "edition": edition,
        "claimed": claimed_totals(claim),
        "receipts": receipts(claim),
        "submitted": datetime.fromisoformat(claim["submitted_at"]),
        "attendance": attendance_view(
            check if isinstance(check, dict) else None, edition["sessions"]
        ),
        "assessment": assessment if isinstance(assessment, dict) else None,
        "assessment_refusal": assessment if isinstance(assessment, Refused) else None,
    }


@router.get("")
async def queue(
    request: Request, person: FinanceStaff, state: str = STATES[0], offset: int = 0
) -> Response:
    if state not in STATES:
        state = STATES[0]
    offset = max(0, offset)
    query = {"state": state, "offset": offset, "limit": PAGE}
    page = await as_staff(request, person, "reimbursement", "GET", "/v1/claims", params=query)
    claims = page["items"]
    editions = await _editions(request, {c["edition_id"] for c in claims})
    details = await asyncio.gather(*(_details(request, person, c) for c in claims))
    rows = [
        _row(claim, editions[claim["edition_id"]], check, assessment)
        for claim, (check, assessment) in zip(claims, details, strict=True)
    ]
    return render(
        request,
        "staff/finance_claims.html",
        person,
        state=state,
        states=STATES,
        rows=rows,
        total=page["total"],
        offset=offset,
        previous=_page_url(state, offset - PAGE) if offset > 0 else "",
        next=_page_url(state, offset + PAGE) if offset + PAGE < page["total"] else "",
        shown_from=offset + 1,
        shown_to=offset + len(rows),
    )


async def _claim_page(
    request: Request,
    person: Person,
    claim_id: str,
    *,
    done: str = "",
    refusal: Refused | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response:
    try:
        claim = await as_staff(request, person, "reimbursement", "GET", f"/v1/claims/{claim_id}")
    except Refused as unknown:
        raise HTTPException(404) from unknown
    editions = await _editions(request, {claim["edition_id"]})
    row = _row(claim, editions[claim["edition_id"]], *await _details(request, person, claim))
    converted = {line["line_id"]: line for line in (row["assessment"] or {}).get("lines", [])}
    gettext = console(request).gettext
    return render(
        request,
        "staff/finance_claim.html",
        person,
        status_code,
        claim=row,
        converted=converted,
        done=done,
        refusal=gettext(REFUSALS.get(refusal.kind, REFUSALS["wrong-claim-state"]))
        if refusal
        else "",
        refused=refusal.problem if refusal else {},
        reason=reason,
        queue_url=_page_url(claim["state"]),
    )


@router.get("/claims/{claim_id}")
async def claim_page(
    request: Request, person: FinanceStaff, claim_id: str, done: str = ""
) -> Response:
    return await _claim_page(request, person, claim_id, done=done)


@router.post("/claims/{claim_id}/approval")
async def approve(request: Request, person: FinanceStaff, claim_id: str) -> Response:
    """Approve: the service checks documents, selection, attendance and rates again, and its
    refusal is shown on the claim's page, in the person's language."""
    await posted(request)
    path = f"/v1/claims/{claim_id}/approval"
    try:
        await as_staff(request, person, "reimbursement", "POST", path)
    except Refused as refusal:
        if refusal.status == 404:
            raise HTTPException(404) from refusal
        return await _claim_page(
            request, person, claim_id, refusal=refusal, status_code=refusal.status
        )
    return redirect(request, f"/staff/finance/claims/{claim_id}?done=approved", person)


@router.post("/claims/{claim_id}/rejection")
async def reject(request: Request, person: FinanceStaff, claim_id: str) -> Response:
    form = await posted(request)
    reason = str(form.get("reason") or "").strip()
    if not reason:
        return await _claim_page(request, person, claim_id, reason="missing", status_code=422)
    path = f"/v1/claims/{claim_id}/rejection"
    try:
        await as_staff(request, person, "reimbursement", "POST", path, json={"reason": reason})
    except Refused as refusal:
        if refusal.status == 404:
            raise HTTPException(404) from refusal
        return await _claim_page(
            request, person, claim_id, refusal=refusal, status_code=refusal.status
        )
    return redirect(request, f"/staff/finance/claims/{claim_id}?done=rejected", person)


async def passed_on(request: Request, person: Person, path: str) -> Response:
    """A file of the reimbursement service, passed on to the browser as it was served (its
    type, its ``Content-Disposition``), so a receipt opens in the browser's own viewer."""
    services_ = services(request)
    try:
        found = await services_.staff_file("reimbursement", path, role_token(request, person))
    except Refused as refusal:
        raise HTTPException(404) from refusal
    kept = ("content-type", "content-disposition", "x-content-type-options")
    headers = {k: v for k, v in found.headers.items() if k.lower() in kept}
    return Response(found.content, headers=headers)


@router.get("/claims/{claim_id}/documents/{document_id}")
async def document(
    request: Request, person: FinanceStaff, claim_id: str, document_id: str
) -> Response:
    response = await passed_on(request, person, f"/v1/claims/{claim_id}/documents/{document_id}")
    # Shown in the browser, not saved: the receipt is read, then the claim decided.
    disposition = response.headers.get("content-disposition", "")
    response.headers["content-disposition"] = disposition.replace("attachment", "inline", 1)
    return response
