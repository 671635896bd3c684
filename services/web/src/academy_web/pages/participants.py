"""A participant's own page: their sessions, their visa letter, their supporting documents and
expense claim; and the page that sends a lost link again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import segno
from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from academy_web import i18n
from academy_web.pages.call import open_edition
from academy_web.pages.common import LinkRejected, errors_for, link_refused, posted, services
from academy_web.rendering import render
from academy_web.services import Json, Refused

router = APIRouter()

LINES = 3
"""Expense lines the form offers without JavaScript; a claim takes up to 50 through the API."""
LINE_FIELDS = ("category", "expense_date", "description", "amount.amount", "amount.currency")
BANK_FIELDS = ("beneficiary_name", "iban", "account_number", "bic", "bank_name", "bank_country")
PASSPORT_FIELDS = ("passport_number", "nationality", "date_of_birth", "passport_expires_on")
"""What a consulate's letter needs from the passport (the documents service checks it)."""


def check_in_code(check_in_pass: str) -> Markup:
    """The participant's check-in pass as a QR code the desk scans: SVG drawn here (segno),
    inline in the page, so it needs no image route, no script and nothing from elsewhere."""
    code = segno.make(check_in_pass, error="m", micro=False)
    return Markup(code.svg_inline(omitsize=True, border=2, light="#fff", svgclass="qr"))  # noqa: S704 - segno's own SVG of the pass


def participant_url(application_id: str, participant_id: str, token: str) -> str:
    query = urlencode({"token": token})
    return f"/applications/{application_id}/participants/{participant_id}?{query}"


async def _page(
    request: Request,
    application_id: str,
    participant_id: str,
    token: str,
    *,
    status_code: int = 200,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str = "",
) -> Response:
    try:
        record = await services(request).participant(application_id, participant_id, token)
    except Refused as refusal:
        raise LinkRejected.of(refusal) from refusal
    edition = await open_edition(request, record["edition_id"])
    claim: Json | None = None
    documents: list[Json] = []
    letter: Json | None = None
    selected = True
    try:
        claim = await services(request).claim(application_id, participant_id, token)
        documents = await services(request).documents(application_id, participant_id, token)
        letter = await services(request).letter(application_id, participant_id, token)
        if letter is not None:  # an instant, which the page shows as its day
            letter["issued_at"] = datetime.fromisoformat(letter["issued_at"])
    except Refused as refusal:
        if refusal.kind == "not-selected" or refusal.kind == "participant-not-found":
            selected = False
        elif link_refused(refusal):
            raise LinkRejected.of(refusal) from refusal
        else:
            raise
    return render(
        request,
        "participant.html",
        status_code,
        application=record,
        person=record["participant"],
        edition=edition,
        claim=claim,
        documents=documents,
        letter=letter,
        selected=selected,
        check_in_code=check_in_code(record["check_in_pass"]) if selected else None,
        token=token,
        lines=LINES,
        values=values or {},
        errors=errors or {},
        done=done,
        now=datetime.now(UTC),
    )


@router.get("/applications/{application_id}/participants/{participant_id}")
async def participant_page(
    request: Request, application_id: str, participant_id: str, token: str = "", done: str = ""
) -> Response:
    return await _page(request, application_id, participant_id, token, done=done)


@router.post("/applications/{application_id}/participants/{participant_id}/documents")
async def upload(request: Request, application_id: str, participant_id: str) -> Response:
    form = await posted(request)
    token = str(form.get("token") or "")
    file = form.get("file")
    kind = str(form.get("kind") or "")
    if not isinstance(file, UploadFile) or not file.filename:
        errors = {"file": request.app.state.translator.gettext("Choose a file to upload.")}
        return await _page(
            request, application_id, participant_id, token, status_code=422, errors=errors
        )
    content = await file.read()
    try:
        await services(request).upload_document(
            application_id,
            participant_id,
            token,
            kind=kind,
            filename=file.filename,
            content=content,
            media_type=file.content_type or "application/octet-stream",
        )
    except Refused as refusal:
        if link_refused(refusal):
            raise LinkRejected.of(refusal) from refusal
        errors = errors_for(request, refusal) or {"file": str(refusal)}
        if refusal.status in (413, 415):
            gettext = request.app.state.translator.gettext
            errors = {"file": gettext("The file must be a PDF, JPEG or PNG file of at most 5 MB.")}
        return await _page(
            request, application_id, participant_id, token, status_code=422, errors=errors
        )
    url = participant_url(application_id, participant_id, token) + "&done=uploaded"
    return RedirectResponse(url, status_code=303)


@router.post("/applications/{application_id}/participants/{participant_id}/visa-letter")
async def request_letter(request: Request, application_id: str, participant_id: str) -> Response:
    """Ask the documents service for the visa letter in the page's language; its refusals,
    already in that language, are shown next to the fields they name."""
    form = await posted(request)
    token = str(form.get("token") or "")
    values = {name: str(form.get(name) or "").strip() for name in PASSPORT_FIELDS}
    try:
        await services(request).request_letter(
            application_id, participant_id, token, values, i18n.current.get()
        )
    except Refused as refusal:
        if link_refused(refusal):
            raise LinkRejected.of(refusal) from refusal
        errors = {str(e.get("field")): str(e.get("message")) for e in refusal.errors}
        return await _page(
            request,
            application_id,
            participant_id,
            token,
            status_code=422,
            values=values,
            errors=errors or {"letter": str(refusal)},
        )
    url = participant_url(application_id, participant_id, token) + "&done=letter"
    return RedirectResponse(url, status_code=303)


@router.get("/applications/{application_id}/participants/{participant_id}/visa-letter.pdf")
async def download_letter(
    request: Request, application_id: str, participant_id: str, token: str = ""
) -> Response:
    try:
        pdf = await services(request).letter_pdf(application_id, participant_id, token)
    except Refused as refusal:
        raise LinkRejected.of(refusal) from refusal
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": 'attachment; filename="visa-letter.pdf"',
            "Cache-Control": "no-store",
        },
    )


def claim_body(form: Any) -> dict[str, Any]:
    """The claim form's filled lines and bank details as reimbursement takes them."""
    lines = []
    for i in range(LINES):
        line = {name: str(form.get(f"lines.{i}.{name}") or "").strip() for name in LINE_FIELDS}
        if not (line["description"] or line["amount.amount"]):
            continue
        lines.append(
            {
                "category": line["category"],
                "expense_date": line["expense_date"],
                "description": line["description"],
                "amount": {
                    "amount": line["amount.amount"].replace(",", "."),
                    "currency": line["amount.currency"],
                },
                "documents": [str(d) for d in form.getlist(f"lines.{i}.documents")],
            }
        )
    bank = {name: str(form.get(f"bank.{name}") or "").strip() or None for name in BANK_FIELDS}
    return {"lines": lines, "bank": bank}


@router.post("/applications/{application_id}/participants/{participant_id}/claim")
async def submit_claim(request: Request, application_id: str, participant_id: str) -> Response:
    form = await posted(request)
    token = str(form.get("token") or "")
    values: dict[str, Any] = {
        key: str(value) for key, value in form.multi_items() if isinstance(value, str)
    }
    values["documents"] = {
        i: set(map(str, form.getlist(f"lines.{i}.documents"))) for i in range(LINES)
    }
    try:
        await services(request).submit_claim(
            application_id, participant_id, token, claim_body(form)
        )
    except Refused as refusal:
        if link_refused(refusal):
            raise LinkRejected.of(refusal) from refusal
        errors = errors_for(request, refusal)
        return await _page(
            request,
            application_id,
            participant_id,
            token,
            status_code=422,
            values=values,
            errors=errors,
        )
    url = participant_url(application_id, participant_id, token) + "&done=claimed"
    return RedirectResponse(url, status_code=303)


@router.get("/lost-link")
async def lost_link_form(request: Request) -> Response:
    return render(request, "lost_link.html", values={}, errors={})


@router.post("/lost-link")
async def lost_link(request: Request) -> Response:
    """Always the same answer, whether the address is known or not, so the page tells no one
    who applied: registration sends the address's personal links, if it knows it, after it
    has answered."""
    form = await posted(request)
    email = str(form.get("email") or "").strip()
    try:
        await services(request).request_links(email)
    except Refused as refusal:
        errors = errors_for(request, refusal)
        if refusal.status == 429:
            gettext = request.app.state.translator.gettext
            errors = {"email": gettext("Too many requests from here: try again in an hour.")}
        return render(request, "lost_link.html", 422, values={"email": email}, errors=errors or {})
    return render(request, "lost_link_sent.html")
