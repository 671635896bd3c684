"""HTTP routes of the registration service."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel

from academy_contracts.values import UtcDateTime
from academy_kit.outbox import OutboxRelay
from academy_kit.problems import Problem
from academy_registration.adapters.store import ApplicationStore, DuplicateApplication
from academy_registration.domain.applications import ApplicationForm
from academy_registration.handlers.submit import submit_application

router = APIRouter(prefix="/v1")


class ApplicationReceipt(BaseModel):
    application_id: str
    status: str
    submitted_at: UtcDateTime


def _store(request: Request) -> ApplicationStore:
    store: ApplicationStore = request.app.state.store
    return store


def _relay(request: Request) -> OutboxRelay:
    relay: OutboxRelay = request.app.state.relay
    return relay


@router.post(
    "/applications",
    status_code=status.HTTP_201_CREATED,
    tags=["applications"],
    responses={
        409: {"description": "This cluster already applied to this edition"},
        422: {"description": "Invalid application"},
    },
)
async def create_application(
    form: ApplicationForm,
    request: Request,
    response: Response,
    store: Annotated[ApplicationStore, Depends(_store)],
    relay: Annotated[OutboxRelay, Depends(_relay)],
) -> ApplicationReceipt:
    """Apply to an edition of the Academy on behalf of a cluster (→ ApplicationSubmitted)."""
    try:
        event = await submit_application(
            form, store=store, relay=relay, source=request.app.state.settings.source
        )
    except DuplicateApplication as exc:
        raise Problem(
            409,
            "duplicate-application",
            "Cluster already applied",
            f"The cluster with ECCP id {form.cluster.eccp_id!r} already applied to edition "
            f"{form.edition_id!r}: application {exc.existing_id}.",
            existing_application_id=exc.existing_id,
        ) from None
    response.headers["Location"] = f"/v1/applications/{event.application_id}"
    return ApplicationReceipt(
        application_id=event.application_id, status="submitted", submitted_at=event.submitted_at
    )
