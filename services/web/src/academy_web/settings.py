"""Configuration from the environment: where the four services answer, and the key that signs
this service's own cookies. Defaults are the local stack of ``make up``."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

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
