"""The staff console, at ``/staff``: sign-in (local accounts or the organisation's OpenID
Connect provider), and the pages where staff do their work through the services' staff APIs.

It lives in the same deployable as the applicants' pages: both are a backend-for-frontend over
the same four APIs, and share the rendering, the languages, the CSRF protection, the security
headers and the pooled clients. It keeps to its own modules, templates (``templates/staff``)
and gettext catalog (``staff``), so the two sides change without touching each other."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.responses import Response

from academy_web import i18n
from academy_web.rendering import environment
from academy_web.settings import WebSettings
from academy_web.staff import desk, finance, payments, report, reviews, selection, sign_in
from academy_web.staff.accounts import LocalAccounts
from academy_web.staff.console import Console, NotAllowed, SignInRequired, redirect, render
from academy_web.staff.oidc import Provider
from academy_web.staff.sessions import Cookies


def install(app: FastAPI, settings: WebSettings) -> None:
    """Mount the console on ``app``."""
    catalogs = i18n.compile_catalogs(domain="staff")
    for language, applicants in i18n.compile_catalogs().items():
        catalogs[language].add_fallback(applicants)  # sectors, countries: the pages' labels
    translator = i18n.Translator(catalogs)
    app.state.staff = Console(
        settings=settings,
        cookies=Cookies(
            settings.cookie_secret,
            idle_seconds=settings.staff_idle_minutes * 60,
            longest_seconds=settings.staff_session_hours * 3600,
            secure=settings.cookie_secure,
        ),
        accounts=LocalAccounts(settings.staff_accounts_file),
        provider=Provider(settings) if settings.oidc_issuer else None,
        templates=environment(translator),
        gettext=translator.gettext,
    )

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/staff"
        return redirect(request, sign_in.sign_in_url(target), None)

    @app.exception_handler(NotAllowed)
    async def not_allowed(request: Request, exc: NotAllowed) -> Response:
        return render(request, "staff/not_allowed.html", exc.person, 403, needed=sorted(exc.roles))

    app.include_router(sign_in.router)
    app.include_router(desk.router)
    app.include_router(reviews.router)
    app.include_router(selection.router)
    app.include_router(finance.router)
    app.include_router(payments.router)
    app.include_router(report.router)
