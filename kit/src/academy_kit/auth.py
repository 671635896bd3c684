"""Staff authentication: bearer JWTs carrying roles, and a dev command that mints them.

Tokens are HS256 JWTs signed with ``ACADEMY_JWT_SECRET`` and carry ``sub``, ``roles``, ``iss``,
``aud``, ``iat`` and ``exp``. A staff route declares the roles it admits with
``Depends(StaffOnly(Role.X, ...))``; a missing, expired or forged token is a 401 with a
``WWW-Authenticate: Bearer`` challenge, a valid token without an admitted role is a 403. Each
route names its roles explicitly (admin is not implied), so the OpenAPI and the tests that walk
the routes say exactly who may call what.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from academy_contracts.roles import Role
from academy_kit.problems import Problem
from academy_kit.settings import ServiceSettings

ALGORITHM = "HS256"


@dataclass(frozen=True)
class StaffMember:
    """Who called a staff route, as their token says."""

    subject: str
    roles: frozenset[Role]


class TokenSigning(Protocol):
    """What signs staff tokens: the services' settings, and the web front's, whose staff
    console mints a short-lived token for the person signed in."""

    @property
    def jwt_secret(self) -> SecretStr: ...
    @property
    def jwt_issuer(self) -> str: ...
    @property
    def jwt_audience(self) -> str: ...


def mint(settings: TokenSigning, subject: str, roles: list[Role], ttl: timedelta) -> str:
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": subject,
        "roles": [role.value for role in roles],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm=ALGORITHM)


def verify(settings: ServiceSettings, token: str) -> StaffMember:
    """The staff member a token names; raises ``jwt.InvalidTokenError`` when it is not valid."""
    claims = jwt.decode(
        token,
        settings.jwt_secret.get_secret_value(),
        algorithms=[ALGORITHM],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"require": ["sub", "exp", "iss", "aud"]},
    )
    roles = claims.get("roles", [])
    if not isinstance(roles, list):
        raise jwt.InvalidTokenError("roles must be a list")
    known = {role.value for role in Role}
    return StaffMember(str(claims["sub"]), frozenset(Role(r) for r in roles if r in known))


_bearer = HTTPBearer(auto_error=False, description="A staff token: `academy-token --role ROLE`")


def _unauthorized(detail: str) -> Problem:
    return Problem(
        401,
        "unauthorized",
        "Staff token required",
        detail,
        headers={"WWW-Authenticate": 'Bearer realm="cluster-academy"'},
    )


class StaffOnly:
    """Dependency admitting a bearer token that carries one of ``roles``."""

    def __init__(self, *roles: Role) -> None:
        if not roles:
            raise ValueError("a staff route admits at least one role")
        self.roles = frozenset(roles)

    async def __call__(
        self,
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> StaffMember:
        if credentials is None:
            raise _unauthorized("Send 'Authorization: Bearer <token>' with a staff token.")
        settings: ServiceSettings = request.app.state.settings
        try:
            member = verify(settings, credentials.credentials)
        except jwt.InvalidTokenError as exc:
            raise _unauthorized(f"The token is not valid: {exc}.") from None
        if not member.roles & self.roles:
            allowed = sorted(role.value for role in self.roles)
            raise Problem(
                403,
                "forbidden",
                "Role not allowed",
                f"This route needs one of the roles {', '.join(allowed)}.",
                allowed=allowed,
            )
        return member


def main(argv: list[str] | None = None) -> None:
    """``academy-token``: mint a staff token for local use, signed with this environment's
    ``ACADEMY_JWT_SECRET`` (the built-in development secret when unset)."""
    parser = argparse.ArgumentParser(prog="academy-token", description=main.__doc__)
    parser.add_argument(
        "--role",
        dest="roles",
        action="append",
        choices=[role.value for role in Role],
        required=True,
        help="a role the token carries (repeat for several)",
    )
    parser.add_argument("--subject", default="dev@localhost", help="who the token names")
    parser.add_argument("--hours", type=float, default=8.0, help="lifetime in hours")
    args = parser.parse_args(argv)
    token = mint(
        ServiceSettings(),
        args.subject,
        [Role(r) for r in args.roles],
        timedelta(hours=args.hours),
    )
    print(token)
