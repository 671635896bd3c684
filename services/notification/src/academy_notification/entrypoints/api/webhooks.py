"""Admin routes for integrators' webhook subscriptions and their delivery logs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from pydantic import AnyHttpUrl, BaseModel, Field, SecretStr, field_validator

from academy_contracts.registry import EVENTS
from academy_contracts.roles import Role
from academy_kit import web
from academy_kit.auth import StaffOnly
from academy_notification.adapters.webhooks import ALL_TYPES
from academy_notification.handlers.webhooks import WebhookSubscriptions

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
admin = Depends(StaffOnly(Role.ADMIN))
EVENT_TYPES = sorted(spec.event_type for spec in EVENTS)


class Subscription(BaseModel):
    url: AnyHttpUrl
    """Where deliveries are POSTed: https (http only if the operator allows it), no
    credentials, a valid host that is not loopback, private, link-local or metadata unless the
    operator's allow-list names it."""
    event_types: list[str] = Field(min_length=1)
    """Versioned CloudEvents types, or ``*`` for every event."""
    secret: SecretStr = Field(min_length=16, max_length=200)
    """The HMAC-SHA256 key of the ``X-Academy-Signature`` header; never shown again."""
    description: str | None = Field(default=None, max_length=200)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - {*EVENT_TYPES, ALL_TYPES})
        if unknown:
            raise ValueError(f"unknown event types {unknown}; allowed: '*', {EVENT_TYPES}")
        return sorted(set(value))


class SubscriptionView(BaseModel):
    id: str
    url: str
    event_types: list[str]
    description: str | None
    created_at: Any

    @classmethod
    def of(cls, doc: dict[str, Any]) -> SubscriptionView:
        return cls(
            id=doc["_id"],
            url=doc["url"],
            event_types=doc["event_types"],
            description=doc.get("description"),
            created_at=doc["created_at"],
        )


SubscriptionsDep = Annotated[
    WebhookSubscriptions, Depends(web.wired("webhook_subscriptions", WebhookSubscriptions))
]


@router.post("", status_code=201, dependencies=[admin])
async def subscribe(
    form: Subscription, hooks: SubscriptionsDep, response: Response
) -> SubscriptionView:
    """Register a URL to receive the chosen event types, signed with the given secret."""
    doc = await hooks.subscribe(
        str(form.url), form.event_types, form.secret.get_secret_value(), form.description
    )
    response.headers["Location"] = f"{router.prefix}/{doc['_id']}"
    return SubscriptionView.of(doc)


@router.get("", dependencies=[admin])
async def subscriptions(hooks: SubscriptionsDep) -> list[SubscriptionView]:
    return [SubscriptionView.of(doc) for doc in await hooks.all()]


@router.delete("/{subscription_id}", status_code=204, dependencies=[admin])
async def unsubscribe(subscription_id: str, hooks: SubscriptionsDep) -> None:
    """Stop deliveries; those still pending fail as 'the subscription was removed'."""
    await hooks.unsubscribe(subscription_id)


@router.get("/{subscription_id}/deliveries", dependencies=[admin])
async def deliveries(subscription_id: str, hooks: SubscriptionsDep) -> list[dict[str, Any]]:
    """The delivery log: each event delivered to the subscription, its status and attempts."""
    return [
        {
            "id": doc["_id"],
            "event_id": doc["event_id"],
            "event_type": doc["event_type"],
            "status": doc["status"],
            "attempts": doc["attempts"],
            "last_error": doc.get("last_error"),
            "log": doc["log"],
        }
        for doc in await hooks.deliveries(subscription_id)
    ]
