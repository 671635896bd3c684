"""Company registration: companies register to network with the clusters."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from academy_web import forms
from academy_web.pages.common import errors_for, new_idempotency_key, posted, services
from academy_web.rendering import render
from academy_web.services import Refused

router = APIRouter()


@router.get("/companies/register")
async def company_form(request: Request, edition: str = "") -> Response:
    return render(
        request,
        "company.html",
        edition_id=edition,
        values={"idempotency_key": new_idempotency_key()},
        errors={},
    )


@router.post("/companies/register")
async def register_company(request: Request) -> Response:
    form = await posted(request)
    values = forms.values_of(form, forms.COMPANY_FIELDS)
    edition_id = str(form.get("edition_id") or "") or None
    key = str(form.get("idempotency_key") or "") or new_idempotency_key()
    values["idempotency_key"] = key
    try:
        await services(request).register_company(forms.company_body(values, edition_id), key)
    except Refused as refusal:
        return render(
            request,
            "company.html",
            422,
            edition_id=edition_id or "",
            values=values,
            errors=errors_for(request, refusal),
            refusal=refusal.kind,
        )
    return RedirectResponse("/companies/registered", status_code=303)


@router.get("/companies/registered")
async def registered(request: Request) -> Response:
    return render(request, "company_done.html")
