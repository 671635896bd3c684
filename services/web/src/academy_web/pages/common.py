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
    """The link token does not open what the address names: expired, tampered, retired (an
    application-wide link of before personal links), or another person's. Ends in a page saying
    which, with the way to ask for a new link, never a 500."""

    def __init__(self, reason: str = "link-invalid", status: int = 403) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status

    @classmethod
    def of(cls, refusal: Refused) -> LinkRejected:
        """The page for a service's refusal of the link (its problem type names why)."""
        reason = refusal.kind if refusal.kind.startswith("link-") else "link-invalid"
        return cls(reason, refusal.status if refusal.status in (401, 403, 410) else 403)


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
    """Whether a refusal means the link does not open this page (the services' ``link-*``
    problems, or an application or participant that is not there)."""
    return (
        refusal.status in (401, 403)
        or refusal.kind.startswith("link-")
        or refusal.kind == "application-not-found"
    )


def errors_for(request: Request, refusal: Refused) -> dict[str, str]:
    """The refusal's field errors in the page's language, by form field name."""
    translator: Translator = request.app.state.translator
    return field_errors(
        refusal.errors, translator.gettext, lambda value: translator.gettext(label(value))
    )
