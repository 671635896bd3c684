"""What every console page shares: who is signed in, whether their roles admit the page, the
role token for the services, and rendering in the staff catalog."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request
from jinja2 import Environment
from starlette.responses import HTMLResponse, RedirectResponse, Response

from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_web import i18n
from academy_web.rendering import language_links
from academy_web.security import CSRF_FIELD, csrf_token
from academy_web.services import Services
from academy_web.settings import WebSettings
from academy_web.staff.accounts import LocalAccounts
from academy_web.staff.oidc import Provider
from academy_web.staff.sessions import COOKIE, Cookies, Person


@dataclass
class Console:
    """The console's parts, built once with the app (``app.state.staff``)."""

    settings: WebSettings
    cookies: Cookies
    accounts: LocalAccounts
    provider: Provider | None
    templates: Environment
    gettext: Callable[[str], str]


def console(request: Request) -> Console:
    found: Console = request.app.state.staff
    return found


class SignInRequired(Exception):
    """No valid session: the page sends the browser to the sign-in page, then back."""


class NotAllowed(Exception):
    """Signed in, but none of the person's roles admits the page: a page saying so (403)."""

    def __init__(self, person: Person, roles: frozenset[Role]) -> None:
        super().__init__(person.email)
        self.person = person
        self.roles = roles


def signed_in(request: Request) -> Person:
    """The person the session cookie names (FastAPI dependency)."""
    person = console(request).cookies.person(request.cookies.get(COOKIE))
    if person is None:
        raise SignInRequired
    return person


class Allowed:
    """Dependency admitting a signed-in person with one of ``roles``; checked on every request
    of the page, reading and writing alike, whatever the page showed."""

    def __init__(self, *roles: Role) -> None:
        self.roles = frozenset(roles)

    def __call__(self, request: Request) -> Person:
        person = signed_in(request)
        if not person.may(*self.roles):
            raise NotAllowed(person, self.roles)
        return person


def role_token(request: Request, person: Person) -> str:
    """A short-lived staff token in the person's own name and roles, for the service call
    being made: the services check it as they check any staff token."""
    settings = console(request).settings
    ttl = timedelta(minutes=settings.staff_token_minutes)
    return mint(settings, person.email, sorted(person.roles), ttl)


async def as_staff(
    request: Request, person: Person, service: str, method: str, path: str, **kwargs: Any
) -> Any:
    services: Services = request.app.state.services
    return await services.as_staff(service, method, path, role_token(request, person), **kwargs)


def render(
    request: Request,
    template: str,
    person: Person | None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A console page in the staff catalog; for a signed-in person, the session cookie is
    issued again, which restarts the idle timeout."""
    parts = console(request)
    html = parts.templates.get_template(template).render(
        request=request,
        lang=i18n.current.get(),
        languages=language_links(request),
        csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(parts.settings.cookie_secret, request.state.csrf_cookie),
        settings=parts.settings,
        person=person,
        role_names={role.value: parts.gettext(ROLE_NAMES[role]) for role in Role},
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if person is not None:
        parts.cookies.keep(response, person)
    return response


def redirect(request: Request, url: str, person: Person | None) -> Response:
    response = RedirectResponse(url, status_code=303)
    if person is not None:
        console(request).cookies.keep(response, person)
    return response


ROLE_NAMES = {
    Role.ADMIN: i18n.N_("Programme manager"),
    Role.COMMITTEE: i18n.N_("Selection committee"),
    Role.FINANCE: i18n.N_("Finance"),
    Role.CHECKIN: i18n.N_("Check-in desk"),
}
