"""Payment batches: gather the approved claims into a batch, see it and its transfer file,
record it as paid (after a confirmation step), and see what each batch paid.

Paying twice is prevented where it can be, in the reimbursement service: a batch is paid once,
under the first transfer reference given, and the same reference again answers that same
payment. So the confirmation form carries the reference typed, a second click sends the same
one, and the answer is a redirect (a reload asks for the batch again, it posts nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from academy_contracts.roles import Role
from academy_web.i18n import N_
from academy_web.pages.common import posted
from academy_web.services import Json, Refused
from academy_web.staff.console import Allowed, as_staff, console, redirect, render
from academy_web.staff.finance import passed_on
from academy_web.staff.sessions import Person

router = APIRouter(prefix="/staff/payments")
ADMITTED = Allowed(Role.FINANCE)
"""Finance alone, as the reimbursement service's batch routes."""
FinanceStaff = Annotated[Person, Depends(ADMITTED)]

PAGE = 20
WAITING_SHOWN = 50
REFERENCE_MAX = 200
REFUSALS = {
    "nothing-to-pay": N_("No approved claim is waiting for payment: no batch was made."),
    "paid-with-other-reference": N_(
        "This batch was already recorded as paid, under the transfer reference "
        "%(reference)s. A batch is paid once: nothing was changed."
    ),
}


def _batch_view(batch: Json) -> dict[str, Any]:
    return {
        **batch,
        "created": datetime.fromisoformat(batch["created_at"]),
        "paid": datetime.fromisoformat(batch["paid_at"]) if batch.get("paid_at") else None,
    }


def _refusal_text(request: Request, refusal: Refused) -> str:
    gettext = console(request).gettext
    message = gettext(REFUSALS.get(refusal.kind, REFUSALS["nothing-to-pay"]))
    return message % {"reference": refusal.problem.get("payment_reference", "")}


@router.get("")
async def batches(
    request: Request, person: FinanceStaff, offset: int = 0, refused: str = ""
) -> Response:
    """The approved claims waiting for a batch (the oldest first, and how many in all), and
    the batches, newest first."""
    offset = max(0, offset)
    waiting = await as_staff(
        request,
        person,
        "reimbursement",
        "GET",
        "/v1/claims",
        params={"state": "approved", "batched": "false", "limit": WAITING_SHOWN},
    )
    page = await as_staff(
        request,
        person,
        "reimbursement",
        "GET",
        "/v1/payment-batches",
        params={"offset": offset, "limit": PAGE},
    )
    gettext = console(request).gettext
    return render(
        request,
        "staff/payments.html",
        person,
        waiting=waiting["items"],
        waiting_total=waiting["total"],
        batches=[_batch_view(b) for b in page["items"]],
        total=page["total"],
        previous=f"/staff/payments?offset={offset - PAGE}" if offset > 0 else "",
        next=f"/staff/payments?offset={offset + PAGE}" if offset + PAGE < page["total"] else "",
        refusal=gettext(REFUSALS[refused]) if refused == "nothing-to-pay" else "",
    )


@router.post("/batches")
async def create_batch(request: Request, person: FinanceStaff) -> Response:
    """Gather every approved claim in no batch yet; a second click joins the batch the first
    is making, or finds nothing left to gather."""
    await posted(request)
    try:
        batch = await as_staff(
            request, person, "reimbursement", "POST", "/v1/payment-batches", json={}
        )
    except Refused as refusal:
        if refusal.kind != "nothing-to-pay":
            raise
        return redirect(request, "/staff/payments?refused=nothing-to-pay", person)
    return redirect(request, f"/staff/payments/batches/{batch['batch_id']}", person)


async def _batch(request: Request, person: Person, batch_id: str) -> dict[str, Any]:
    try:
        found = await as_staff(
            request, person, "reimbursement", "GET", f"/v1/payment-batches/{batch_id}"
        )
    except Refused as unknown:
        raise HTTPException(404) from unknown
    return _batch_view(found)


@router.get("/batches/{batch_id}")
async def batch_page(
    request: Request, person: FinanceStaff, batch_id: str, done: str = ""
) -> Response:
    batch = await _batch(request, person, batch_id)
    return render(request, "staff/payment_batch.html", person, batch=batch, done=done)


@router.get("/batches/{batch_id}/payment")
async def confirm_payment(
    request: Request, person: FinanceStaff, batch_id: str, reference: str = ""
) -> Response:
    """The confirmation step: what will be recorded as paid, under which reference."""
    batch = await _batch(request, person, batch_id)
    reference = reference.strip()
    if batch["state"] == "paid":
        return redirect(request, f"/staff/payments/batches/{batch_id}", person)
    if not reference or len(reference) > REFERENCE_MAX:
        return render(
            request, "staff/payment_batch.html", person, 422, batch=batch, missing_reference=True
        )
    return render(request, "staff/payment_confirm.html", person, batch=batch, reference=reference)


@router.post("/batches/{batch_id}/payment")
async def mark_paid(request: Request, person: FinanceStaff, batch_id: str) -> Response:
    form = await posted(request)
    reference = str(form.get("reference") or "").strip()
    if not reference:
        return redirect(request, f"/staff/payments/batches/{batch_id}", person)
    try:
        await as_staff(
            request,
            person,
            "reimbursement",
            "POST",
            f"/v1/payment-batches/{batch_id}/payment",
            json={"payment_reference": reference},
        )
    except Refused as refusal:
        if refusal.status == 404:
            raise HTTPException(404) from refusal
        if refusal.kind != "paid-with-other-reference":
            raise
        batch = await _batch(request, person, batch_id)
        text = _refusal_text(request, refusal)
        return render(request, "staff/payment_batch.html", person, 409, batch=batch, refusal=text)
    query = urlencode({"done": "paid"})
    return redirect(request, f"/staff/payments/batches/{batch_id}?{query}", person)


@router.get("/batches/{batch_id}/transfers.csv")
async def transfers(request: Request, person: FinanceStaff, batch_id: str) -> Response:
    """The batch's transfer file, for the bank."""
    return await passed_on(request, person, f"/v1/payment-batches/{batch_id}/transfers.csv")
