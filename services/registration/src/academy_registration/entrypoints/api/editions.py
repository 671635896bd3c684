"""Editions: anyone reads them (applicants need the deadline); admins create and change them."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from academy_contracts.events import EditionPublished
from academy_contracts.roles import Role
from academy_kit.auth import StaffOnly
from academy_registration.domain.editions import EditionForm, NewEdition
from academy_registration.entrypoints.api.deps import StaffDep

router = APIRouter(prefix="/v1/editions", tags=["editions"])
admin = StaffOnly(Role.ADMIN)


@router.get("")
async def list_editions(staff: StaffDep) -> list[EditionPublished]:
    return await staff.editions.all()


@router.get("/{edition_id}", responses={404: {"description": "Unknown edition"}})
async def read_edition(edition_id: str, staff: StaffDep) -> EditionPublished:
    return await staff.edition(edition_id)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(admin)],
    responses={409: {"description": "The edition exists"}},
)
async def create_edition(form: NewEdition, staff: StaffDep, response: Response) -> EditionPublished:
    """Create an edition (→ EditionPublished, revision 1)."""
    edition = await staff.create_edition(form)
    response.headers["Location"] = f"/v1/editions/{edition.edition_id}"
    return edition


@router.put(
    "/{edition_id}",
    dependencies=[Depends(admin)],
    responses={404: {"description": "Unknown edition"}, 409: {"description": "Changed meanwhile"}},
)
async def change_edition(edition_id: str, form: EditionForm, staff: StaffDep) -> EditionPublished:
    """Replace the edition's settings (→ EditionPublished with the next revision)."""
    return await staff.change_edition(edition_id, form)
