"""Request-scoped access to the handlers the lifespan wired, and the request headers the API
reads."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from academy_kit import web
from academy_registration.handlers.applications import Applications
from academy_registration.handlers.check_in import CheckIns
from academy_registration.handlers.companies import Companies
from academy_registration.handlers.editions import Editions

ApplicationsDep = Annotated[Applications, Depends(web.wired("applications", Applications))]
EditionsDep = Annotated[Editions, Depends(web.wired("editions", Editions))]
CompaniesDep = Annotated[Companies, Depends(web.wired("companies", Companies))]
CheckInsDep = Annotated[CheckIns, Depends(web.wired("check_ins", CheckIns))]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Repeat a POST with the same key to get its first result, writing nothing.",
    ),
]
