"""Signing in and out, and the console's home page (what the person's roles let them do)."""

from __future__ import annotations

import logging
import time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from academy_web.pages.common import posted
from academy_web.staff import desk, finance, payments, report, reviews, selection
from academy_web.staff.console import (
    console,
    redirect,
    render,
    signed_in,
)
from academy_web.staff.oidc import SignInFailed
from academy_web.staff.sessions import COOKIE, PENDING_COOKIE, Person

log = logging.getLogger(__name__)
router = APIRouter(prefix="/staff")

TASKS = (
    (reviews.router.prefix, reviews.ADMITTED.roles),
    (desk.router.prefix, desk.ADMITTED.roles),
    (selection.router.prefix, selection.ADMITTED.roles),
    (finance.router.prefix, finance.ADMITTED.roles),
    (payments.router.prefix, payments.ADMITTED.roles),
    (report.router.prefix, report.ADMITTED.roles),
)
"""The console's pages and the roles each admits, taken from the pages' own checks: the home
page once listed the desk alone, and a committee member found no way to the reviews."""


def sign_in_url(next_page: str) -> str:
    return "/staff/sign-in?" + urlencode({"next": next_page})


def _safe_next(value: str) -> str:
    """Only a page of the console: never another site (an open redirect)."""
    if value.startswith("/staff") and not value.startswith("//"):
        return value
    return "/staff"


def _callback_url(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


@router.get("")
async def home(request: Request, person: Annotated[Person, Depends(signed_in)]) -> Response:
    tasks = [path for path, roles in TASKS if person.roles & roles]
    return render(request, "staff/home.html", person, tasks=tasks)


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str = "/staff", note: str = "") -> Response:
    already = console(request).cookies.person(request.cookies.get(COOKIE))
    if already is not None:
        return redirect(request, _safe_next(next), already)
    return render(
        request,
        "staff/sign_in.html",
        None,
        next=_safe_next(next),
        note=note,
        oidc=console(request).provider is not None,
        email="",
    )


@router.post("/sign-in")
async def sign_in_with_password(request: Request) -> Response:
    form = await posted(request)
    email = str(form.get("email") or "")
    next_page = _safe_next(str(form.get("next") or "/staff"))
    account = console(request).accounts.authenticate(email, str(form.get("password") or ""))
    if account is None:
        log.info("staff sign-in refused")
        return render(
            request,
            "staff/sign_in.html",
            None,
            401,
            next=next_page,
            note="password",
            oidc=console(request).provider is not None,
            email=email,
        )
    person = Person(account.email, account.name, account.roles, "local", time.time())
    log.info("staff signed in: %s (%s)", person.email, ",".join(sorted(person.roles)))
    return redirect(request, next_page, person)


@router.get("/sign-in/oidc")
async def sign_in_with_provider(request: Request, next: str = "/staff") -> Response:
    provider = console(request).provider
    if provider is None:
        return redirect(request, sign_in_url(next), None)
    started = await provider.start(_callback_url(request), _safe_next(next))
    response = redirect(request, started.url, None)
    console(request).cookies.hold_pending(response, started.pending)
    return response


@router.get("/oidc/callback", name="oidc_callback")
async def provider_callback(
    request: Request, code: str = "", state: str = "", error: str = ""
) -> Response:
    parts = console(request)
    pending = parts.cookies.pending(request.cookies.get(PENDING_COOKIE))
    if parts.provider is None or pending is None or error:
        log.info("staff OIDC sign-in refused: %s", error or "no pending sign-in")
        return redirect(request, "/staff/sign-in?note=provider", None)
    try:
        person = await parts.provider.finish(_callback_url(request), pending, code, state)
    except SignInFailed as failure:
        log.warning("staff OIDC sign-in refused: %s", failure.reason)
        return redirect(request, "/staff/sign-in?note=provider", None)
    if not person.roles:
        log.info("staff OIDC sign-in without a console role: %s", person.email)
        response = redirect(request, "/staff/sign-in?note=no-role", None)
    else:
        log.info("staff signed in: %s (%s)", person.email, ",".join(sorted(person.roles)))
        response = redirect(request, _safe_next(str(pending["next"])), person)
    parts.cookies.drop_pending(response)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    await posted(request)
    response = redirect(request, "/staff/sign-in?note=signed-out", None)
    console(request).cookies.end(response)
    return response
