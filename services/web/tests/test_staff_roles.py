"""Every console route, asked for with GET and with POST by a person of each role (and by no
one), against the real front and services: a role gets the page or does the action only where
the route admits it; the others get the "not for your role" page (403) and nothing is done;
nobody signed in is sent to sign in. Proven on the server, whatever the pages show.

The expectation is read from the route itself: the roles of its :class:`Allowed` dependency,
the check every console page makes on every request. A route without one must be declared
below (open to anyone, or to any signed-in person), so a page added later with no check of its
roles fails here."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.responses import Response

from academy_contracts.roles import Role
from academy_web.main import create_app
from academy_web.security import CSRF_COOKIE, CSRF_FIELD, csrf_token
from academy_web.settings import WebSettings
from academy_web.staff.console import Allowed, signed_in
from academy_web.staff.sessions import COOKIE, Cookies, Person

from .support import system

PUBLIC = {
    ("GET", "/staff/sign-in"),
    ("POST", "/staff/sign-in"),
    ("GET", "/staff/sign-in/oidc"),
    ("GET", "/staff/oidc/callback"),
    ("POST", "/staff/sign-out"),
}
"""Signing in and out: for anyone."""
ANY_STAFF = {("GET", "/staff")}
"""The home page lists what the person's roles let them do: for any signed-in person."""
METHODS = ("GET", "POST")
NOT_FOR_YOUR_ROLE = "<h1>This page is not for your role</h1>"


@dataclass(frozen=True)
class Expected:
    """Who may use one method of one path: ``None`` is anyone, not even signed in; a route
    that no route answers (405 for everyone) has ``exists`` False."""

    roles: frozenset[Role] | None
    exists: bool = True


def _allowed(dependant: Dependant) -> Iterator[Allowed]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, Allowed):
            yield dependency.call
        yield from _allowed(dependency)


def _signs_in(dependant: Dependant) -> bool:
    return any(d.call is signed_in or _signs_in(d) for d in dependant.dependencies)


def console_routes() -> dict[tuple[str, str], Expected]:
    """Every (method, path) of the console, with GET and POST of every path, and who may use
    it, from the app's own route list."""
    found: dict[tuple[str, str], Expected] = {}
    # The routes as served, with the dependencies their routers add (FastAPI includes routers
    # lazily: ``app.routes`` lists the routers, not their routes).
    for route in iter_route_contexts(create_app(WebSettings()).routes):
        path = route.path or ""
        if not isinstance(route.original_route, APIRoute) or not path.startswith("/staff"):
            continue
        checks = list(_allowed(route.dependant))
        for method in route.methods or ():
            key = (method, path)
            if checks:
                assert len(checks) == 1, f"{method} {path}: more than one Allowed"
                assert key not in PUBLIC | ANY_STAFF, f"{key} is declared and checks roles"
                found[key] = Expected(checks[0].roles)
            elif key in ANY_STAFF:
                assert _signs_in(route.dependant), f"{key} does not ask who is signed in"
                found[key] = Expected(frozenset(Role))
            else:
                assert key in PUBLIC, (
                    f"{method} {path} checks no role: give it Allowed(...) as the other "
                    "console pages do, or declare it in PUBLIC or ANY_STAFF"
                )
                found[key] = Expected(None)
    for path in {path for _, path in found}:
        for method in METHODS:
            found.setdefault((method, path), Expected(None, exists=False))
    return found


def test_every_console_route_has_an_expectation_and_the_known_pages_keep_theirs() -> None:
    routes = console_routes()
    assert routes["GET", "/staff/desk"].roles == frozenset({Role.CHECKIN, Role.ADMIN})
    assert routes["POST", "/staff/desk/check-ins/undo"].roles == frozenset(
        {Role.CHECKIN, Role.ADMIN}
    )
    assert routes["POST", "/staff/reviews/{application_id}"].roles == frozenset({Role.COMMITTEE})
    assert routes["GET", "/staff"].roles == frozenset(Role)
    assert not routes["GET", "/staff/desk/check-ins"].exists


def _session(settings: WebSettings, role: Role) -> str:
    """The session cookie of a person with ``role`` alone, as signing in issues it."""
    cookies = Cookies(
        settings.cookie_secret,
        idle_seconds=settings.staff_idle_minutes * 60,
        longest_seconds=settings.staff_session_hours * 3600,
        secure=False,
    )
    email = f"{role.value}@academy.test"
    person = Person(email, email, frozenset({role}), "local", time.time())
    response = Response()
    cookies.keep(response, person)
    found = re.search(rf"{COOKIE}=([^;]+)", response.headers["set-cookie"])
    assert found
    return found[1]


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_each_role_gets_and_posts_only_what_its_routes_admit(web_system: system.System) -> None:
    settings = WebSettings()
    csrf = secrets.token_urlsafe(16)
    form = {
        CSRF_FIELD: csrf_token(settings.cookie_secret, csrf),
        "session": "no-edition/s1",
        "participant_id": "nobody",
        "edition": "no-edition",
    }
    visitors: dict[Role | None, str] = {None: f"{CSRF_COOKIE}={csrf}"}
    for each in Role:
        visitors[each] = f"{CSRF_COOKIE}={csrf}; {COOKIE}={_session(settings, each)}"
    wrong: list[str] = []
    with httpx.Client(base_url=web_system.web, timeout=60) as client:
        for (method, path), expected in sorted(console_routes().items()):
            url = re.sub(r"\{[^}]+\}", "no-such-id", path)
            for role, cookie in visitors.items():
                answer = client.request(
                    method,
                    url,
                    headers={"Cookie": cookie, "Accept-Language": "en"},
                    data=form if method == "POST" else None,
                )
                refused = answer.status_code == 403 and NOT_FOR_YOUR_ROLE in answer.text
                to_sign_in = answer.status_code == 303 and answer.headers["location"].startswith(
                    "/staff/sign-in?next="
                )
                if not expected.exists:
                    ok = answer.status_code == 405
                elif expected.roles is None:
                    ok = not refused and not to_sign_in
                elif role is None:
                    ok = to_sign_in
                elif role in expected.roles:
                    ok = not refused and not to_sign_in
                else:
                    ok = refused
                ok = ok and answer.status_code < 500
                if not ok:
                    wrong.append(f"{method} {path} as {role}: {answer.status_code}")
    assert not wrong, "\n".join(wrong)
