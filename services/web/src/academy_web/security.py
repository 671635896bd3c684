"""Cookies, CSRF and the headers every page carries.

CSRF: a signed double-submit token. The browser holds a random value in an HttpOnly,
SameSite=Lax cookie; every form carries the HMAC of that value under ``cookie_secret``. A forged
cross-site post can neither read the cookie nor compute the HMAC, and a value planted in the
cookie by a sibling sub-domain fails without the key. No server-side session is needed."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pydantic import SecretStr
from starlette.responses import Response

CSRF_COOKIE = "academy_csrf"
CSRF_FIELD = "csrf_token"
ONE_YEAR = 365 * 24 * 3600

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
"""Only this site's own files: no inline script or style, no CDN, no framing."""

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
"""``no-referrer`` keeps the link tokens in page addresses from leaking to other sites."""


def new_csrf_secret() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(key: SecretStr, cookie_value: str) -> str:
    """The form field value that matches the browser's cookie."""
    mac = hmac.new(key.get_secret_value().encode(), cookie_value.encode(), hashlib.sha256)
    return mac.hexdigest()


def csrf_valid(key: SecretStr, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(csrf_token(key, cookie_value), submitted)


def set_cookie(response: Response, name: str, value: str, *, secure: bool) -> None:
    """Every cookie of this site: HttpOnly (no script reads it), SameSite=Lax (not sent on
    cross-site posts), Secure unless configured off for plain-HTTP development."""
    response.set_cookie(
        name, value, max_age=ONE_YEAR, path="/", secure=secure, httponly=True, samesite="lax"
    )
