"""Configuration from the environment: where the four services answer, and the key that signs
this service's own cookies. Defaults are the local stack of ``make up``."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from academy_kit.settings import refuse_weak, secret_weakness

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
    """``development`` lets the front start with the built-in cookie key, as the services do
    with theirs; anywhere else it refuses to (a known key lets a sibling site forge forms)."""

    def refuse_weak_secrets(self) -> None:
        weakness = secret_weakness("ACADEMY_COOKIE_SECRET", self.cookie_secret, DEV_COOKIE_SECRET)
        refuse_weak(self.service_name, self.env, [weakness] if weakness else [])
