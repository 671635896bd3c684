"""Configuration from the environment, defaulting to the embedded local stack."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "cluster-academy-local-development-secret"  # noqa: S105 - local stack only
"""Signs staff tokens on the local stack only; deployments set ``ACADEMY_JWT_SECRET``."""
DEV_LINK_SECRET = "cluster-academy-local-link-secret"  # noqa: S105 - local stack only
MIN_SECRET_BYTES = 32
"""A secret shorter than this is refused outside development: HS256 and HMAC-SHA256 keys should
be at least as long as the hash (RFC 7518, section 3.2)."""
DEVELOPMENT = "development"


class InsecureSecrets(RuntimeError):
    """A service outside development was given a development, placeholder or short secret."""


def secret_weakness(name: str, secret: SecretStr, built_in: str) -> str | None:
    """Why ``secret`` (the variable ``name``) is unfit for a deployment; None when it is fit."""
    value = secret.get_secret_value()
    if value == built_in:
        return f"{name} is the built-in development secret"
    if "change-me" in value.lower():
        return f"{name} is still the example's placeholder"
    if len(value.encode()) < MIN_SECRET_BYTES:
        return f"{name} has {len(value.encode())} bytes, fewer than {MIN_SECRET_BYTES}"
    return None


def refuse_weak(service_name: str, env: str, found: list[str]) -> None:
    """Raise :class:`InsecureSecrets` unless nothing was ``found`` or this is development: a
    service that starts with a known secret lets anyone forge what the secret signs."""
    if found and env != DEVELOPMENT:
        raise InsecureSecrets(
            f"{service_name} refuses to start: {'; '.join(found)}. Set each to a random "
            f"value of at least {MIN_SECRET_BYTES} bytes (e.g. `openssl rand -hex 32`), or "
            f"ACADEMY_ENV={DEVELOPMENT} on a developer's machine."
        )


class ServiceSettings(BaseSettings):
    """Settings every service reads. ``KAFKA_BOOTSTRAP_SERVERS`` and ``MONGODB_URI`` are the
    names operators already use; the rest are prefixed ``ACADEMY_``."""

    model_config = SettingsConfigDict(env_prefix="ACADEMY_", extra="ignore")

    service_name: str = "academy"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "ACADEMY_KAFKA_BOOTSTRAP_SERVERS"),
    )
    mongodb_uri: str = Field(
        default="mongodb://127.0.0.1:27017/",
        validation_alias=AliasChoices("MONGODB_URI", "ACADEMY_MONGODB_URI"),
    )
    database: str = ""
    """The service's own database; ``academy_<service_name>`` when empty."""
    consumer_group: str = ""
    """Kafka consumer group; ``academy-<service_name>`` when empty."""
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    """The outbox relay's first wait after a failed attempt (broker or store unreachable); each
    further failure doubles it, up to ``outbox_retry_max_seconds``."""
    outbox_retry_max_seconds: float = Field(default=10.0, gt=0)
    outbox_sweep_seconds: float = Field(default=600.0, gt=0)
    """How often the relay reads whole collections for entries no write told it about: the
    safety net behind :meth:`academy_kit.outbox.OutboxRelay.kick` (it also sweeps at start).
    Rare, because on FerretDB a sweep reads every document: ~20 s of its CPU at 20,000."""
    outbox_batch: int = Field(default=500, ge=1)
    """Documents whose entries the relay publishes together before clearing them."""
    consumer_attempts: int = Field(default=4, ge=1)
    """Tries of a handler that fails on one event before the event is dead-lettered."""
    consumer_retry_seconds: float = Field(default=0.5, gt=0)
    """First delay before a consumer tries again; it doubles up to the longest delay."""
    consumer_retry_max_seconds: float = Field(default=30.0, gt=0)
    """Longest delay between a consumer's tries while the store or the broker is unreachable."""
    consumer_lag_seconds: float = Field(default=10.0, gt=0)
    """How often ``academy_consumer_lag`` is brought up to date (from the consumer's own
    figures: no request to the broker)."""
    log_level: str = "INFO"
    writer_lease_seconds: float = Field(default=30.0, gt=0)
    """Life of the writer lease a replica holds on FerretDB (:mod:`academy_kit.lease`)."""
    writer_lease_wait_seconds: float = Field(default=45.0, ge=0)
    """How long a starting replica waits for another's writer lease before refusing to start."""
    max_body_bytes: int = Field(default=1024 * 1024, ge=1)
    """Largest request body a route takes unless the service gives it a larger limit."""
    anonymous_writes_per_minute: int = Field(default=60, ge=0)
    """Writes without an ``Authorization`` header per client address and minute; 0 for none."""
    forwarded_allow_ips: str = "127.0.0.1"
    """The proxies (comma-separated addresses or networks, ``*`` for any) whose
    ``X-Forwarded-For`` names the client: the web front and a load balancer. From any other peer
    the header is ignored, so the rate limit counts a visitor behind the front as themselves and a
    forged header as its sender."""
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    """The HS256 key of staff tokens; the same on every service of one deployment."""
    link_secret: SecretStr = SecretStr(DEV_LINK_SECRET)
    """The signing key of personal link tokens (:mod:`academy_contracts.links`)."""
    link_lifetime_days: int = Field(default=120, ge=1, le=3650)
    """How long a personal link opens its page; the one minted by each email starts anew."""
    jwt_issuer: str = "cluster-academy"
    jwt_audience: str = "cluster-academy"
    env: str = "production"
    """``development`` (the local stack, the tests) lets a service start with the built-in or
    weak secrets; anywhere else a service refuses to (:meth:`refuse_weak_secrets`)."""

    @property
    def link_lifetime(self) -> timedelta:
        return timedelta(days=self.link_lifetime_days)

    def weak_secrets(self) -> list[str]:
        """Why each secret is unfit for a deployment; empty when both are fit."""
        found = (
            secret_weakness("ACADEMY_JWT_SECRET", self.jwt_secret, DEV_JWT_SECRET),
            secret_weakness("ACADEMY_LINK_SECRET", self.link_secret, DEV_LINK_SECRET),
        )
        return [reason for reason in found if reason]

    def refuse_weak_secrets(self) -> None:
        """Raise :class:`InsecureSecrets` unless the secrets are fit or this is development: a
        service that starts with a known secret lets anyone mint staff tokens and links."""
        refuse_weak(self.service_name, self.env, self.weak_secrets())

    @property
    def database_name(self) -> str:
        return self.database or f"academy_{self.service_name}"

    @property
    def group_id(self) -> str:
        return self.consumer_group or f"academy-{self.service_name}"

    @property
    def source(self) -> str:
        """The CloudEvents ``source`` of the events this service publishes."""
        return f"/services/{self.service_name}"
