"""What every message may quote about the program itself (not about one edition), from the call
for applications: its name, its contact person, the reimbursement share, the attendance rule."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class ProgramFacts(BaseModel):
    """Nested settings variables: ``ACADEMY_PROGRAM__CONTACT_NAME=...``. Facts of an edition
    (its deadline, sessions, places, time zone) are not here: they come from that edition."""

    model_config = ConfigDict(frozen=True)

    name_fr: str = "Académie des clusters Euromed"
    name_en: str = "Euromed Cluster Academy"
    contact_name: str = "Sarra Boussaïdi"
    contact_title_fr: str = "Mme"
    contact_title_en: str = "Ms."
    contact_role_fr: str = "cheffe de projet"
    contact_role_en: str = "Project Manager"
    contact_email: EmailStr = "academy@anima.coop"
    reimbursement_percent: int = Field(default=90, ge=1, le=100)
    compulsory_attendance: bool = True
    organizer: str = "ANIMA Investment Network"
