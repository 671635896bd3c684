"""The admin's route to erase people of an application (→ PersonalDataErased)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from academy_contracts.events import LocalizedText, PersonalDataErased
from academy_contracts.roles import Role
from academy_contracts.values import Identifier
from academy_kit import web
from academy_kit.auth import StaffOnly
from academy_registration.handlers.erasure import Erasures

router = APIRouter(prefix="/v1", tags=["erasure"])
ErasuresDep = Annotated[Erasures, Depends(web.wired("erasures", Erasures))]


class ErasureForm(BaseModel):
    participant_ids: list[Identifier] = Field(min_length=1, max_length=3)
    """The people of the application to erase, by id."""


class ErasureReceipt(PersonalDataErased):
    """The erasure as recorded, and what it does, in French and English."""

    message: LocalizedText


MESSAGE = LocalizedText(
    fr=(
        "Effacement enregistré : chaque service remplace sous peu les noms, adresses, téléphones, "
        "coordonnées bancaires et pièces de ces personnes ; les nombres et montants restent."
    ),
    en=(
        "Erasure recorded: every service shortly replaces these people's names, addresses, "
        "phones, bank details and documents; counts and amounts remain."
    ),
)


@router.post(
    "/applications/{application_id}/erasures",
    status_code=status.HTTP_202_ACCEPTED,
    dependencies=[Depends(StaffOnly(Role.ADMIN))],
    responses={404: {"description": "Unknown application or participant"}},
)
async def erase_people(
    application_id: str, form: ErasureForm, erasures: ErasuresDep
) -> ErasureReceipt:
    """Erase people of an application in every service (→ PersonalDataErased): accepted at
    once, carried out by each service as it consumes the event."""
    event = await erasures.erase(application_id, form.participant_ids)
    return ErasureReceipt(**event.model_dump(), message=MESSAGE)
