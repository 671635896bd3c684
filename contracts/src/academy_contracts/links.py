"""Personal link tokens: each person of an application reaches only what is theirs.

A token names the application, the person (by their stable participant id), the scope and an
expiry, signed with ``ACADEMY_LINK_SECRET``. The cluster manager's token (scope ``manager``)
manages the application and answers its offer; a participant's (scope ``participant``) opens
only that participant's claim, documents and sessions. The manager attends too: their token
opens their own claim, never a teammate's.

The token is a JWT (HS256, PyJWT, already the staff tokens' library): the expiry, audience and
signature checks are a maintained library's, not ours, and every service holding the secret
checks a token without a store. Nothing is stored, so a lost link is renewed by minting a new
one; rotating the secret revokes every link.

A participant's check-in pass (the QR code on their page, scope ``check-in``) is the same kind
of token signed for another audience: it names the person to the check-in desk and opens
nothing else, since every service checks links for the links' audience only. A photographed
pass lets nobody read a claim.

The application-wide tokens of before (an HMAC of the application id) are retired: they are
recognised only to say so (:attr:`Refusal.RETIRED`), so their holder is told to ask for a new
link rather than that the link was forged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import jwt
from pydantic import SecretStr

TOKEN_HEADER = "X-Application-Token"  # noqa: S105 - a header name
AUDIENCE = "cluster-academy-link"
PASS_AUDIENCE = "cluster-academy-check-in"  # noqa: S105 - an audience name
ALGORITHM = "HS256"
DEFAULT_LIFETIME = timedelta(days=120)
"""Long enough to carry a cluster from its application to its reimbursement; every mail the
services send carries a fresh link, and a lost or expired one is renewed by email."""


class Scope(StrEnum):
    MANAGER = "manager"
    """Manage the application (read, amend, withdraw), answer the offer, and the manager's own
    claim."""
    PARTICIPANT = "participant"
    """The participant's own claim, documents and sessions only."""
    CHECK_IN = "check-in"
    """A check-in pass: names the participant to the desk (:func:`check_pass`), opens nothing."""


class Refusal(StrEnum):
    EXPIRED = "link-expired"
    INVALID = "link-invalid"
    """Missing, malformed, tampered with, or signed with another secret."""
    RETIRED = "link-retired"
    """An application-wide link of before personal links."""
    OTHER_APPLICATION = "link-other-application"
    OTHER_PERSON = "link-other-person"
    MANAGER_ONLY = "link-manager-only"
    ERASED = "link-erased"
    """The person the link names was erased (``PersonalDataErased``): it opens nothing any more."""


class LinkRefused(Exception):
    """The token does not open what was asked; ``refusal`` says why. Every service maps it to
    the same problem (``academy_kit.web``)."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class Grant:
    """What a checked token opens."""

    application_id: str
    participant_id: str
    scope: Scope
    expires_at: datetime

    def opens_application(self, application_id: str, *, manage: bool) -> None:
        """Refuse unless this is ``application_id``'s token and, when ``manage``, its
        manager's."""
        if self.application_id != application_id:
            raise LinkRefused(Refusal.OTHER_APPLICATION)
        if manage and self.scope is not Scope.MANAGER:
            raise LinkRefused(Refusal.MANAGER_ONLY)

    def opens_participant(self, application_id: str, participant_id: str) -> None:
        """Refuse unless this is the token of that very participant (the manager included)."""
        self.opens_application(application_id, manage=False)
        if self.participant_id != participant_id:
            raise LinkRefused(Refusal.OTHER_PERSON)


def issue(
    secret: SecretStr,
    application_id: str,
    participant_id: str,
    scope: Scope,
    *,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> str:
    """A token for one person of one application, valid from ``now`` for ``lifetime``; a
    check-in pass when ``scope`` is :attr:`Scope.CHECK_IN`."""
    claims = {
        "aud": PASS_AUDIENCE if scope is Scope.CHECK_IN else AUDIENCE,
        "app": application_id,
        "sub": participant_id,
        "scope": scope.value,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    return jwt.encode(claims, secret.get_secret_value(), algorithm=ALGORITHM)


def check(secret: SecretStr, token: str | None, application_id: str) -> Grant:
    """What ``token`` opens, or :class:`LinkRefused`. ``application_id`` (the one the request
    names) only tells a retired application-wide link of that application from a forged one.
    A check-in pass is no link: it is refused as invalid."""
    if not token:
        raise LinkRefused(Refusal.INVALID)
    key = secret.get_secret_value()
    try:
        grant = _decoded(key, token, AUDIENCE)
    except LinkRefused as refused:
        if refused.refusal is Refusal.INVALID and _application_wide(key, application_id, token):
            raise LinkRefused(Refusal.RETIRED) from refused
        raise
    if grant.scope is Scope.CHECK_IN:
        raise LinkRefused(Refusal.INVALID)
    return grant


def check_pass(secret: SecretStr, token: str) -> Grant:
    """The participant a check-in pass names, or :class:`LinkRefused` (expired, or not a pass
    signed with ``secret``: a personal link is not a pass either)."""
    grant = _decoded(secret.get_secret_value(), token, PASS_AUDIENCE)
    if grant.scope is not Scope.CHECK_IN:
        raise LinkRefused(Refusal.INVALID)
    return grant


def _decoded(key: str, token: str, audience: str) -> Grant:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            audience=audience,
            options={"require": ["exp", "iat", "aud", "sub", "app", "scope"]},
        )
        scope = Scope(claims["scope"])
    except jwt.ExpiredSignatureError as error:
        raise LinkRefused(Refusal.EXPIRED) from error
    except (jwt.InvalidTokenError, ValueError, KeyError) as error:
        raise LinkRefused(Refusal.INVALID) from error
    return Grant(
        application_id=str(claims["app"]),
        participant_id=str(claims["sub"]),
        scope=scope,
        expires_at=datetime.fromtimestamp(int(claims["exp"]), tz=UTC),
    )


def _application_wide(key: str, application_id: str, token: str) -> bool:
    """Whether ``token`` is the retired application-wide token of ``application_id``."""
    digest = hmac.new(key.encode(), application_id.encode(), hashlib.sha256).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=")
    return hmac.compare_digest(token.encode(), expected)
