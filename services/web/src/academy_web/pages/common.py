"""What every page that takes a form or a link needs: the CSRF check, the services, and the
refusals that end in a page of their own."""

from __future__ import annotations

import uuid

from starlette.datastructures import FormData
from starlette.requests import Request

from academy_web.forms import field_errors
from academy_web.i18n import Translator
from academy_web.labels import label
from academy_web.security import CSRF_FIELD, csrf_valid
from academy_web.services import Refused, Services
from academy_web.settings import WebSettings


class CsrfRejected(Exception):
    """The form did not come from this site's page (or the page is older than the cookie)."""


class LinkRejected(Exception):
    """The link token does not open what the address names: tampered, of another person, or
    revoked. Ends in a page saying so and pointing to the lost-link page, never a 500."""


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def settings(request: Request) -> WebSettings:
    found: WebSettings = request.app.state.settings
    return found


async def posted(request: Request) -> FormData:
    """The posted form, once its CSRF token matches the browser's cookie."""
    form = await request.form(max_part_size=settings(request).max_upload_bytes + 1024)
    submitted = form.get(CSRF_FIELD)
    cookie = request.cookies.get("academy_csrf")
    if not csrf_valid(
        settings(request).cookie_secret, cookie, submitted if isinstance(submitted, str) else None
    ):
        raise CsrfRejected
    return form


def new_idempotency_key() -> str:
    return uuid.uuid4().hex


def link_refused(refusal: Refused) -> bool:
    """Whether a refusal means the link does not open this application."""
    return refusal.status in (401, 403) or refusal.kind == "application-not-found"


def errors_for(request: Request, refusal: Refused) -> dict[str, str]:
    """The refusal's field errors in the page's language, by form field name."""
    translator: Translator = request.app.state.translator
    return field_errors(
        refusal.errors, translator.gettext, lambda value: translator.gettext(label(value))
    )
