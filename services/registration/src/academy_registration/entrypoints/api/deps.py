"""Request-scoped access to what the lifespan wired, and the request headers the API reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from academy_contracts.links import TOKEN_HEADER
from academy_registration.handlers.applications import Applications
from academy_registration.handlers.staff import Staff


def _applications(request: Request) -> Applications:
    applications: Applications = request.app.state.applications
    return applications


def _staff(request: Request) -> Staff:
    staff: Staff = request.app.state.staff
    return staff


def _link_token(
    header: Annotated[
        str | None,
        Header(alias=TOKEN_HEADER, description="The application's secret link token."),
    ] = None,
    token: Annotated[
        str | None, Query(description="The link token, as in the link sent to the applicant.")
    ] = None,
) -> str | None:
    return header or token


ApplicationsDep = Annotated[Applications, Depends(_applications)]
StaffDep = Annotated[Staff, Depends(_staff)]
LinkToken = Annotated[str | None, Depends(_link_token)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat a POST with the same key to get its first result, writing nothing.",
    ),
]
