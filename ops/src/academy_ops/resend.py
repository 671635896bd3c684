"""``academy resend``: a failed email or webhook call sent again, through the notification
service's own admin route, so the service's dispatcher (which alone sends, and alone writes the
item while it is queued) takes it at once. Only a failed item is queued again: asking twice, or
after it was sent, sends nothing more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from urllib.parse import quote

import httpx

from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings

NOTIFICATION_URL = "http://127.0.0.1:8003"
"""The local stack's notification service; ``ACADEMY_NOTIFICATION_URL`` names another."""


class Kind(StrEnum):
    MESSAGE = "message"
    WEBHOOK = "webhook"

    def path(self, item_id: str) -> str:
        quoted = quote(item_id, safe="")
        if self is Kind.MESSAGE:
            return f"/v1/messages/{quoted}/resend"
        return f"/v1/webhooks/deliveries/{quoted}/resend"


class ResendRefused(RuntimeError):
    """The service refused or did not find the item: its problem's detail."""


@dataclass(frozen=True)
class Resent:
    id: str
    status: str
    resent: bool


def operator_token(settings: ServiceSettings) -> str:
    """A short-lived admin token signed with the deployment's ``ACADEMY_JWT_SECRET``, as the
    staff console's are: an operator who runs the services holds it."""
    return mint(settings, "academy-ops", [Role.ADMIN], timedelta(minutes=5))


async def resend(client: httpx.AsyncClient, kind: Kind, item_id: str, token: str) -> Resent:
    """Ask notification (``client``'s base URL) to send the failed item again."""
    answer = await client.post(kind.path(item_id), headers={"Authorization": f"Bearer {token}"})
    if answer.status_code != 200:
        try:
            detail = answer.json().get("detail", answer.text)
        except ValueError:
            detail = answer.text
        raise ResendRefused(f"{kind} {item_id}: HTTP {answer.status_code}: {detail}")
    body = answer.json()
    return Resent(body["id"], body["status"], body["resent"])
