"""Who is signed in: a signed cookie, no server-side session store (the front has none).

The cookie holds the person's e-mail, name, roles, how they signed in and when, signed with
``ACADEMY_COOKIE_SECRET`` (itsdangerous, with a salt of its own so no other cookie of the site
can pass for it) and stamped with the time it was issued. Every staff page issues it again, so
the stamp is the last time the person asked for a page: a stamp older than the idle timeout
ends the session, and so does a start older than the longest session. The cookie is HttpOnly,
SameSite=Lax, Secure, and scoped to ``/staff``. Forms carry the site's CSRF token as well.

The OpenID Connect round trip keeps its state, nonce and PKCE verifier in a second signed
cookie that lives ten minutes."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import SecretStr
from starlette.responses import Response

from academy_contracts.roles import Role

COOKIE = "academy_staff"
PENDING_COOKIE = "academy_staff_oidc"
PATH = "/staff"
PENDING_SECONDS = 600
KNOWN_ROLES = frozenset(r.value for r in Role)


@dataclass(frozen=True)
class Person:
    """The staff member signed in."""

    email: str
    name: str
    roles: frozenset[Role]
    via: str
    """``local`` or ``oidc``."""
    started: float
    """When they signed in (seconds since the epoch)."""

    def may(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles))


class Cookies:
    """Signs and reads the console's two cookies."""

    def __init__(
        self, secret: SecretStr, *, idle_seconds: float, longest_seconds: float, secure: bool
    ) -> None:
        key = secret.get_secret_value()
        self._session = URLSafeTimedSerializer(key, salt="academy-staff-session")
        self._pending = URLSafeTimedSerializer(key, salt="academy-staff-oidc")
        self.idle_seconds = idle_seconds
        self.longest_seconds = longest_seconds
        self.secure = secure

    def person(self, value: str | None) -> Person | None:
        """The person the cookie names, unless it is forged, idle too long or too old."""
        if not value:
            return None
        try:
            data = self._session.loads(value, max_age=round(self.idle_seconds))
        except BadSignature:
            return None
        person = Person(
            data["email"],
            data["name"],
            frozenset(Role(r) for r in data["roles"] if r in KNOWN_ROLES),
            data["via"],
            float(data["started"]),
        )
        if time.time() - person.started > self.longest_seconds:
            return None
        return person

    def keep(self, response: Response, person: Person) -> None:
        """Issue the session cookie (again): signing in, and on every page, which restarts the
        idle timeout."""
        value = self._session.dumps(
            {
                "email": person.email,
                "name": person.name,
                "roles": sorted(r.value for r in person.roles),
                "via": person.via,
                "started": person.started,
            }
        )
        response.set_cookie(
            COOKIE, value, path=PATH, secure=self.secure, httponly=True, samesite="lax"
        )

    def end(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path=PATH, secure=self.secure, httponly=True, samesite="lax")

    def hold_pending(self, response: Response, pending: dict[str, Any]) -> None:
        response.set_cookie(
            PENDING_COOKIE,
            self._pending.dumps(pending),
            max_age=PENDING_SECONDS,
            path=PATH,
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def pending(self, value: str | None) -> dict[str, Any] | None:
        if not value:
            return None
        try:
            found: dict[str, Any] = self._pending.loads(value, max_age=PENDING_SECONDS)
        except BadSignature:
            return None
        return found

    def drop_pending(self, response: Response) -> None:
        response.delete_cookie(
            PENDING_COOKIE, path=PATH, secure=self.secure, httponly=True, samesite="lax"
        )
