"""Configuration from the environment, defaulting to the embedded local stack."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "cluster-academy-local-development-secret"  # noqa: S105 - local stack only
"""Signs staff tokens on the local stack only; deployments set ``ACADEMY_JWT_SECRET``."""
DEV_LINK_SECRET = "cluster-academy-local-link-secret"  # noqa: S105 - local stack only


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
    log_level: str = "INFO"
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    """The HS256 key of staff tokens; the same on every service of one deployment."""
    link_secret: SecretStr = SecretStr(DEV_LINK_SECRET)
    """The HMAC key of applicants' link tokens (:mod:`academy_kit.links`)."""
    jwt_issuer: str = "cluster-academy"
    jwt_audience: str = "cluster-academy"

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
