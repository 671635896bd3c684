"""Configuration from the environment: where the services answer, and the key that signs
this service's own cookies. Defaults are the local stack of ``make up``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from academy_kit.settings import DEV_JWT_SECRET, refuse_weak, secret_weakness

DEV_COOKIE_SECRET = "cluster-academy-local-web-cookie-secret"  # noqa: S105 - local stack only


class WebSettings(BaseSettings):
    """The web front's settings (``ACADEMY_`` prefix, like the services')."""

    model_config = SettingsConfigDict(env_prefix="ACADEMY_", extra="ignore")

    service_name: str = "web"
    http_host: str = "127.0.0.1"
    http_port: int = 8005
    log_level: str = "INFO"
    registration_url: str = "http://127.0.0.1:8001"
    selection_url: str = "http://127.0.0.1:8002"
    notification_url: str = "http://127.0.0.1:8003"
    reimbursement_url: str = "http://127.0.0.1:8004"
    documents_url: str = "http://127.0.0.1:8006"
    forwarded_allow_ips: str = "127.0.0.1"
    """The proxies in front of this one whose ``X-Forwarded-For`` names the visitor (the
    services' setting of the same name must trust this front in turn)."""
    service_timeout_seconds: float = Field(default=10.0, gt=0)
    """How long one call to a service may take before the page says it is unavailable."""
    cookie_secret: SecretStr = SecretStr(DEV_COOKIE_SECRET)
    """Signs the CSRF cookie; set it in any deployment (rotating it only voids open forms)."""
    cookie_secure: bool = True
    """Cookies carry ``Secure``; browsers accept them on http://localhost and 127.0.0.1 too."""
    contact_name: str = "Sarra Boussaïdi"
    contact_email: str = "academy@anima.coop"
    max_upload_bytes: int = Field(default=5 * 1024 * 1024, ge=1)
    """The largest receipt the page lets a participant choose (reimbursement's own limit)."""
    env: str = "production"
    """``development`` lets the front start with the built-in cookie key and the staff console
    mint tokens with the built-in development key, as the services do with theirs; anywhere else
    it refuses to (a known key lets a sibling site forge forms, or anyone mint staff tokens)."""
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    """The services' ``ACADEMY_JWT_SECRET``: the staff console signs the signed-in person's
    short-lived role tokens with it."""
    jwt_issuer: str = "cluster-academy"
    jwt_audience: str = "cluster-academy"
    staff_accounts_file: Path = Path.home() / ".cluster-academy" / "staff-accounts.json"
    """Local staff accounts (argon2 hashes), written by ``academy-staff add``."""
    staff_idle_minutes: float = Field(default=30.0, gt=0)
    """A staff session ends after this long without a page asked for."""
    staff_session_hours: float = Field(default=12.0, gt=0)
    """A staff session ends this long after signing in, however busy."""
    staff_token_minutes: float = Field(default=5.0, gt=0)
    """Life of the role token minted for each call the console makes to a service."""
    oidc_issuer: str = ""
    """The identity provider's issuer URL; OpenID Connect sign-in is offered only when set."""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_scopes: str = "openid email profile"
    oidc_roles_claim: str = "roles"
    """The ID token claim holding the person's roles; a dotted path reaches into objects
    (``realm_access.roles`` for Keycloak)."""

    def refuse_weak_secrets(self) -> None:
        found = [
            secret_weakness("ACADEMY_COOKIE_SECRET", self.cookie_secret, DEV_COOKIE_SECRET),
            secret_weakness("ACADEMY_JWT_SECRET", self.jwt_secret, DEV_JWT_SECRET),
        ]
        refuse_weak(self.service_name, self.env, [weakness for weakness in found if weakness])
