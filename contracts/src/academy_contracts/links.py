"""Applicants' secret link tokens: an applicant reaches only their own application.

The token is an HMAC of the application id under ``ACADEMY_LINK_SECRET``: nothing secret is
stored or sent in events, the same token can be shown again (an idempotent retry of the
submission returns it unchanged), and any service holding the secret can check it. Rotating
the secret revokes every link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from pydantic import SecretStr

TOKEN_HEADER = "X-Application-Token"  # noqa: S105 - a header name


def token_for(secret: SecretStr, application_id: str) -> str:
    digest = hmac.new(
        secret.get_secret_value().encode(), application_id.encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def matches(secret: SecretStr, application_id: str, token: str | None) -> bool:
    """Whether ``token`` is the link token of ``application_id`` (constant-time)."""
    expected = token_for(secret, application_id).encode()
    return token is not None and hmac.compare_digest(token.encode(), expected)
