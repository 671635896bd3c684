"""A small OpenID Connect provider for the console's tests, served over HTTP on a port of its
own: discovery, an authorization endpoint that signs in whoever the test names (no login form),
a token endpoint that checks the client's secret, the redirect address and the PKCE verifier
(S256) before it hands out an RS256 ID token, and the key set to check that token with.

It stands in for the organisation's identity provider; the console talks to it exactly as to
a real one (Authlib's client, discovery, JWKS), and Chromium follows its redirects."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import uvicorn
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "academy-console"
CLIENT_SECRET = "console-secret-for-the-tests-only"


@dataclass
class Provider:
    issuer: str
    person: dict[str, Any] = field(default_factory=dict)
    """The claims of whoever signs in next (``sub``, ``email``, ``name``, ``roles``)."""
    verified: list[str] = field(default_factory=list)
    """Subjects whose code was exchanged with a matching PKCE verifier."""
    refused: list[str] = field(default_factory=list)
    """Why token requests were refused."""
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": "stub-1", "use": "sig", "alg": "RS256"}
        )
    )
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", self.discovery),
                Route("/authorize", self.authorize),
                Route("/token", self.token, methods=["POST"]),
                Route("/jwks", self.jwks),
            ]
        )

    async def discovery(self, request: Request) -> Response:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    async def jwks(self, request: Request) -> Response:
        return JSONResponse({"keys": [self.key.as_dict(private=False)]})

    async def authorize(self, request: Request) -> Response:
        query = request.query_params
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return JSONResponse({"error": "invalid_request", "why": "PKCE S256 required"}, 400)
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return JSONResponse({"error": "unauthorized_client"}, 400)
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": query["code_challenge"],
            "redirect_uri": query["redirect_uri"],
            "nonce": query.get("nonce"),
            "person": dict(self.person),
        }
        back = urlencode({"code": code, "state": query.get("state", "")})
        return RedirectResponse(f"{query['redirect_uri']}?{back}", status_code=302)

    def _refuse(self, why: str) -> Response:
        self.refused.append(why)
        return JSONResponse({"error": "invalid_grant", "error_description": why}, 400)

    async def token(self, request: Request) -> Response:
        form = await request.form()
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return self._refuse("client authentication")
        grant = self.codes.pop(str(form.get("code")), None)
        if grant is None:
            return self._refuse("unknown or used code")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return self._refuse("redirect_uri differs")
        verifier = str(form.get("code_verifier") or "")
        digest = hashlib.sha256(verifier.encode()).digest()
        if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
            return self._refuse("PKCE verifier does not match the challenge")
        person = grant["person"]
        now = int(time.time())
        claims = {
            **person,
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
        }
        id_token = jwt.encode({"alg": "RS256", "kid": "stub-1"}, claims, self.key)
        self.verified.append(str(person["sub"]))
        return JSONResponse(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )


@contextmanager
def serving(port: int) -> Iterator[Provider]:
    """The provider on 127.0.0.1:``port`` in a thread of the test process."""
    provider = Provider(issuer=f"http://127.0.0.1:{port}")
    # No log_config and no log_level: uvicorn would apply them to the whole test process (its
    # access logger set to WARNING and no longer propagating), and a later test that reads the
    # access log would find nothing in it
    server = uvicorn.Server(
        uvicorn.Config(provider.app(), host="127.0.0.1", port=port, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the OIDC provider exited at start"
        assert time.monotonic() < deadline, "the OIDC provider did not start"
        time.sleep(0.05)
    try:
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
