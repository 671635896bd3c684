"""Request-scoped access to the handlers the lifespan wired."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from academy_contracts.roles import Role
from academy_documents.handlers.certificates import Certificates
from academy_documents.handlers.letters import VisaLetters
from academy_documents.handlers.report import FunderReports
from academy_kit import web
from academy_kit.auth import StaffMember, StaffOnly

CertificatesDep = Annotated[Certificates, Depends(web.wired("certificates", Certificates))]
admin_only = StaffOnly(Role.ADMIN)
AdminStaff = Annotated[StaffMember, Depends(admin_only)]
ReportsDep = Annotated[FunderReports, Depends(web.wired("reports", FunderReports))]
LettersDep = Annotated[VisaLetters, Depends(web.wired("letters", VisaLetters))]
