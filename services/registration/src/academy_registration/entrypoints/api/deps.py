"""Request-scoped access to the handlers the lifespan wired, and the request headers the API
reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from academy_registration.handlers.applications import Applications
from academy_registration.handlers.check_in import CheckIns
from academy_registration.handlers.companies import Companies
from academy_registration.handlers.editions import Editions


def _applications(request: Request) -> Applications:
    applications: Applications = request.app.state.applications
    return applications


def _editions(request: Request) -> Editions:
    editions: Editions = request.app.state.editions
    return editions


def _companies(request: Request) -> Companies:
    companies: Companies = request.app.state.companies
    return companies


def _check_ins(request: Request) -> CheckIns:
    check_ins: CheckIns = request.app.state.check_ins
    return check_ins


ApplicationsDep = Annotated[Applications, Depends(_applications)]
EditionsDep = Annotated[Editions, Depends(_editions)]
CompaniesDep = Annotated[Companies, Depends(_companies)]
CheckInsDep = Annotated[CheckIns, Depends(_check_ins)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat a POST with the same key to get its first result, writing nothing.",
    ),
]
