"""Signing in through the organisation's identity provider: OpenID Connect's authorization code
flow with PKCE (S256), through Authlib's HTTPX client.

The provider is found by discovery (``<issuer>/.well-known/openid-configuration``). The ID
token is checked with the provider's published keys (signature, issuer, audience, expiry,
nonce, ``at_hash``); the person's roles are read from one claim (``ACADEMY_OIDC_ROLES_CLAIM``),
and a role the console does not know is ignored. A person with none of the console's roles is
refused at the callback, before any session exists."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from academy_contracts.roles import Role
from academy_web.settings import WebSettings
from academy_web.staff.sessions import KNOWN_ROLES, Person


class SignInFailed(Exception):
    """The provider's answer does not sign anyone in: ``reason`` says why, for the log; the
    page says only that signing in failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Started:
    """Where to send the browser, and what the callback must find again."""

    url: str
    pending: dict[str, Any]


def roles_in(claims: dict[str, Any], claim: str) -> frozenset[Role]:
    """The console's roles named in ``claim`` (a dotted path into nested objects); a single
    string counts as one role."""
    found: Any = claims
    for part in claim.split("."):
        found = found.get(part) if isinstance(found, dict) else None
    if isinstance(found, str):
        found = [found]
    if not isinstance(found, list):
        return frozenset()
    return frozenset(Role(value) for value in found if value in KNOWN_ROLES)


class Provider:
    """The configured identity provider (``ACADEMY_OIDC_ISSUER`` and its client)."""

    def __init__(self, settings: WebSettings) -> None:
        self.issuer = settings.oidc_issuer.rstrip("/")
        self.client_id = settings.oidc_client_id
        self.client_secret = settings.oidc_client_secret.get_secret_value() or None
        self.scopes = settings.oidc_scopes
        self.roles_claim = settings.oidc_roles_claim
        self.timeout = settings.service_timeout_seconds
        self._metadata: dict[str, Any] | None = None

    def _client(self, redirect_uri: str) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic" if self.client_secret else "none",
            timeout=self.timeout,
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, fetched once."""
        if self._metadata is None:
            async with self._client("") as client:
                response = await client.request(
                    "GET", f"{self.issuer}/.well-known/openid-configuration", withhold_token=True
                )
                response.raise_for_status()
                found: dict[str, Any] = response.json()
            if found.get("issuer", "").rstrip("/") != self.issuer:
                raise SignInFailed(f"the discovery document names issuer {found.get('issuer')}")
            self._metadata = found
        return self._metadata

    async def start(self, redirect_uri: str, next_page: str) -> Started:
        metadata = await self.metadata()
        verifier = generate_token(64)
        nonce = generate_token(32)
        async with self._client(redirect_uri) as client:
            url, state = client.create_authorization_url(
                metadata["authorization_endpoint"], code_verifier=verifier, nonce=nonce
            )
        pending = {"state": state, "verifier": verifier, "nonce": nonce, "next": next_page}
        return Started(url, pending)

    async def finish(
        self, redirect_uri: str, pending: dict[str, Any], code: str, state: str
    ) -> Person:
        """Exchange the code (with the PKCE verifier) and check the ID token it brings."""
        if not code or state != pending["state"]:
            raise SignInFailed("the callback's state is not the one this browser was sent with")
        metadata = await self.metadata()
        async with self._client(redirect_uri) as client:
            token = await client.fetch_token(
                metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending["verifier"],
            )
            keys = await client.request("GET", metadata["jwks_uri"], withhold_token=True)
            keys.raise_for_status()
        if "id_token" not in token:
            raise SignInFailed("the provider sent no ID token")
        algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        try:
            decoded = jwt.decode(
                token["id_token"],
                KeySet.import_key_set(keys.json()),
                registry=JWSRegistry(algorithms=algorithms),
            )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": metadata["issuer"]},
                    "aud": {"essential": True, "value": self.client_id},
                },
                {
                    "nonce": pending["nonce"],
                    "client_id": self.client_id,
                    "access_token": token.get("access_token"),
                },
            )
            claims.validate(leeway=60)
        except JoseError as error:
            raise SignInFailed(f"the ID token is not valid: {error}") from error
        roles = roles_in(dict(claims), self.roles_claim)
        email = str(claims.get("email") or claims["sub"])
        return Person(
            email=email,
            name=str(claims.get("name") or email),
            roles=roles,
            via="oidc",
            started=time.time(),
        )
