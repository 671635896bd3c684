"""Staff outputs: the outbox of messages with filters, as JSON, CSV and HTML pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BeforeValidator

from academy_contracts.roles import Role
from academy_kit import web
from academy_kit.auth import StaffOnly
from academy_kit.web import Limit, Offset
from academy_notification.adapters.messages import MessageFilter
from academy_notification.domain.messages import Status, Template
from academy_notification.domain.rendering import Renderer
from academy_notification.handlers.outbox import Outbox

router = APIRouter(tags=["outbox"])
staff = Depends(StaffOnly(Role.ADMIN, Role.FINANCE))
CSV_COLUMNS = (
    "_id",
    "created_at",
    "status",
    "attempts",
    "template",
    "language",
    "recipient",
    "application_id",
    "subject",
    "last_error",
    "sent_at",
    "failed_at",
)


def _empty_is_none(value: object) -> object:
    return value if value != "" else None


Blank = BeforeValidator(_empty_is_none)
"""An empty field means no filter: the staff page's form sends every field, chosen or not."""


def _filters(
    status: Annotated[Status | None, Blank] = None,
    template: Annotated[Template | None, Blank] = None,
    recipient: Annotated[str | None, Blank] = None,
    application_id: Annotated[str | None, Blank] = None,
    since: Annotated[datetime | None, Blank] = None,
    until: Annotated[datetime | None, Blank] = None,
) -> MessageFilter:
    return MessageFilter(status, template, recipient, application_id, since, until)


Filters = Annotated[MessageFilter, Depends(_filters)]


OutboxDep = Annotated[Outbox, Depends(web.wired("outbox", Outbox))]


def _view(doc: dict[str, Any]) -> dict[str, Any]:
    return {"id": doc["_id"], **{k: v for k, v in doc.items() if k != "_id"}}


@router.get("/v1/messages", dependencies=[staff])
async def messages(
    where: Filters,
    outbox: OutboxDep,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    """Messages, newest first, with their status and attempts."""
    total, found = await outbox.page(where, limit, offset)
    return {"total": total, "items": [_view(doc) for doc in found]}


@router.get("/v1/messages.csv", dependencies=[staff], response_class=Response)
async def messages_csv(where: Filters, outbox: OutboxDep) -> Response:
    """The same messages as a CSV file (without bodies)."""
    rows = ([doc.get(c) for c in CSV_COLUMNS] for doc in await outbox.matching(where))
    return web.csv_response("messages.csv", ["id", *CSV_COLUMNS[1:]], rows)


@router.get("/v1/messages/{message_id}", dependencies=[staff])
async def message(message_id: str, outbox: OutboxDep) -> dict[str, Any]:
    return _view(await outbox.message(message_id))


@router.get("/staff/messages", dependencies=[staff], response_class=HTMLResponse)
async def messages_page(request: Request, where: Filters, outbox: OutboxDep) -> HTMLResponse:
    """An HTML list of the messages, filtered like ``/v1/messages``."""
    renderer: Renderer = request.app.state.renderer
    docs = await outbox.matching(where, limit=500)
    html = renderer.page(
        "messages",
        {
            "messages": docs,
            "where": where,
            "statuses": list(Status),
            "templates": list(Template),
        },
    )
    return HTMLResponse(html)


@router.get("/staff/messages/{message_id}", dependencies=[staff], response_class=HTMLResponse)
async def message_page(request: Request, message_id: str, outbox: OutboxDep) -> HTMLResponse:
    """One message as it was sent."""
    renderer: Renderer = request.app.state.renderer
    return HTMLResponse(renderer.page("message", {"m": await outbox.message(message_id)}))
