"""A cluster's application: the form, the confirmation, and the application's own page opened
by its private link (timeline, amend, withdraw, answer the offer)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from academy_web import forms
from academy_web.pages.call import open_edition
from academy_web.pages.common import (
    LinkRejected,
    errors_for,
    link_refused,
    new_idempotency_key,
    posted,
    services,
)
from academy_web.rendering import render
from academy_web.services import Json, Refused

router = APIRouter()


def application_url(application_id: str, token: str, page: str = "") -> str:
    return f"/applications/{application_id}{page}?{urlencode({'token': token})}"


@router.get("/editions/{edition_id}/apply")
async def application_form(request: Request, edition_id: str) -> Response:
    edition = await open_edition(request, edition_id)
    return render(
        request,
        "apply.html",
        edition=edition,
        values={"participants.0.language": "", "idempotency_key": new_idempotency_key()},
        errors={},
    )


@router.post("/editions/{edition_id}/apply")
async def submit_application(request: Request, edition_id: str) -> Response:
    form = await posted(request)
    edition = await open_edition(request, edition_id)
    values = forms.values_of(form, forms.APPLICATION_FIELDS)
    key = str(form.get("idempotency_key") or "") or new_idempotency_key()
    values["idempotency_key"] = key
    body = {"edition_id": edition_id, **forms.application_body(values)}
    try:
        receipt = await services(request).submit_application(body, key)
    except Refused as refusal:
        return render(
            request,
            "apply.html",
            422,
            edition=edition,
            values=values,
            errors=errors_for(request, refusal),
            refusal=refusal.kind,
        )
    url = application_url(receipt["application_id"], receipt["access_token"], "/submitted")
    return RedirectResponse(url, status_code=303)


async def _application(request: Request, application_id: str, token: str) -> Json:
    try:
        return await services(request).application(application_id, token)
    except Refused as refusal:
        if link_refused(refusal) or refusal.status == 404:
            raise LinkRejected.of(refusal) from refusal
        raise


def _timeline(
    application: Json, decision: Json | None, screening: Json | None
) -> list[dict[str, Any]]:
    """The application's steps so far, oldest first. A screening of an earlier revision is
    left out: the amendment that followed it is not screened yet, and its reasons may no
    longer hold."""
    steps: list[dict[str, Any]] = [
        {"step": "submitted", "at": datetime.fromisoformat(application["submitted_at"])}
    ]
    if application["revision"] > 1:
        steps.append({"step": "amended", "at": datetime.fromisoformat(application["updated_at"])})
    if screening is not None and screening["revision"] == application["revision"]:
        steps.append(
            {
                "step": "screened",
                "at": datetime.fromisoformat(screening["screened_at"]),
                "eligible": screening["eligible"],
                "reasons": screening["reasons"],
            }
        )
    if application.get("withdrawn_at"):
        steps.append(
            {"step": "withdrawn", "at": datetime.fromisoformat(application["withdrawn_at"])}
        )
    if decision is not None:
        steps.append(
            {
                "step": "decision",
                "at": datetime.fromisoformat(decision["decided_at"]),
                "status": decision["status"],
                "rank": decision.get("waitlist_rank"),
                "because": decision.get("declined_because"),
            }
        )
    return steps


@router.get("/applications/{application_id}/submitted")
async def submitted(request: Request, application_id: str, token: str = "") -> Response:
    application = await _application(request, application_id, token)
    edition = await open_edition(request, application["edition_id"])
    return render(
        request,
        "submitted.html",
        application=application,
        edition=edition,
        link=application_url(application_id, token),
    )


@router.get("/applications/{application_id}")
async def application_page(
    request: Request, application_id: str, token: str = "", done: str = ""
) -> Response:
    application = await _application(request, application_id, token)
    edition = await open_edition(request, application["edition_id"])
    decision = await services(request).decision(application_id, token)
    screening = await services(request).screening(application_id, token)
    offer_deadline = (
        datetime.fromisoformat(decision["offer_deadline"])
        if decision and decision.get("offer_deadline")
        else None
    )
    return render(
        request,
        "application.html",
        application=application,
        edition=edition,
        decision=decision,
        offer_deadline=offer_deadline,
        offer_open=bool(
            decision
            and decision["status"] == "offered"
            and offer_deadline
            and datetime.now(UTC) <= offer_deadline
        ),
        timeline=_timeline(application, decision, screening),
        token=token,
        done=done,
        values={},
        errors={},
    )


@router.get("/applications/{application_id}/edit")
async def amend_form(request: Request, application_id: str, token: str = "") -> Response:
    application = await _application(request, application_id, token)
    edition = await open_edition(request, application["edition_id"])
    return render(
        request,
        "amend.html",
        application=application,
        edition=edition,
        values=forms.application_values(application),
        errors={},
        token=token,
    )


@router.post("/applications/{application_id}/edit")
async def amend(request: Request, application_id: str) -> Response:
    form = await posted(request)
    token = str(form.get("token") or "")
    application = await _application(request, application_id, token)
    edition = await open_edition(request, application["edition_id"])
    values = forms.values_of(form, forms.APPLICATION_FIELDS)
    try:
        await services(request).amend_application(
            application_id, token, forms.application_body(values)
        )
    except Refused as refusal:
        return render(
            request,
            "amend.html",
            422,
            application=application,
            edition=edition,
            values=values,
            errors=errors_for(request, refusal),
            refusal=refusal.kind,
            token=token,
        )
    url = application_url(application_id, token) + "&done=amended"
    return RedirectResponse(url, status_code=303)


@router.post("/applications/{application_id}/withdrawal")
async def withdraw(request: Request, application_id: str) -> Response:
    form = await posted(request)
    token = str(form.get("token") or "")
    try:
        await services(request).withdraw_application(
            application_id, token, str(form.get("reason") or "")
        )
    except Refused as refusal:
        if link_refused(refusal):
            raise LinkRejected.of(refusal) from refusal
        return RedirectResponse(
            application_url(application_id, token) + f"&done=refused-{refusal.kind}",
            status_code=303,
        )
    return RedirectResponse(application_url(application_id, token) + "&done=withdrawn", 303)


@router.post("/applications/{application_id}/offer")
async def answer_offer(request: Request, application_id: str) -> Response:
    form = await posted(request)
    token = str(form.get("token") or "")
    answer = "confirm" if form.get("answer") == "confirm" else "decline"
    try:
        if answer == "confirm":
            await services(request).confirm_offer(application_id, token)
        else:
            reason = str(form.get("reason") or "")
            await services(request).decline_offer(application_id, token, reason)
    except Refused as refusal:
        if link_refused(refusal):
            raise LinkRejected.of(refusal) from refusal
        return RedirectResponse(
            application_url(application_id, token) + f"&done=refused-{refusal.kind}",
            status_code=303,
        )
    done = "confirmed" if answer == "confirm" else "declined"
    return RedirectResponse(application_url(application_id, token) + f"&done={done}", 303)
