""" "Lost your link?": anyone may ask for an address's personal links to be sent again.

The answer is always 202 and the same, and the search runs after it is sent, so neither the
answer nor its timing tells whether the address applied. Asking too often from one client is a
429 (that says nothing about the address); asking again for one address within 15 minutes
is accepted and silently dropped, so the page cannot be used to flood someone's mailbox. The
counts are per replica, in memory: a restart forgets them.
"""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, FastAPI, Request, Response, status
from limits import RateLimitItemPerHour, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ConfigDict, EmailStr

from academy_kit.problems import Problem
from academy_registration.entrypoints.api.deps import ApplicationsDep

router = APIRouter(prefix="/v1", tags=["links"])

PER_CLIENT = RateLimitItemPerHour(20)
PER_ADDRESS = parse("1/15 minutes")


def install(app: FastAPI) -> None:
    """Give the app its own counts (one per app, so two apps in a process do not share)."""
    app.state.link_request_limiter = MovingWindowRateLimiter(MemoryStorage())


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr


@router.post(
    "/links/requests",
    status_code=status.HTTP_202_ACCEPTED,
    response_class=Response,
    responses={
        202: {"description": "Accepted; links go to the address if any application names it"},
        429: {"description": "Too many requests from this client"},
    },
)
async def request_links(
    form: LinkRequest, request: Request, background: BackgroundTasks, applications: ApplicationsDep
) -> Response:
    """Ask for every person at this address to get a fresh personal link by email to each
    application naming them (→ LinkRequested per application; nothing for an unknown
    address)."""
    limiter: MovingWindowRateLimiter = request.app.state.link_request_limiter
    client = request.client.host if request.client else "unknown"
    if not await limiter.hit(PER_CLIENT, "client", client):
        raise Problem(
            429,
            "too-many-requests",
            "Too many requests",
            f"At most {PER_CLIENT.amount} link requests an hour from one address; try later.",
            headers={"Retry-After": "3600"},
        )
    email = str(form.email).strip().lower()
    if await limiter.hit(PER_ADDRESS, "address", email):
        background.add_task(applications.request_links, email)
    return Response(status_code=status.HTTP_202_ACCEPTED)
