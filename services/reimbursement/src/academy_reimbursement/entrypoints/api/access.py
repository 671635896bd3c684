"""Which staff roles reach which routes: finance decides and pays; caps are also the admin's."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from pydantic import StringConstraints

from academy_contracts.roles import Role
from academy_kit.auth import StaffMember, StaffOnly

finance_only = StaffOnly(Role.FINANCE)
FinanceStaff = Annotated[StaffMember, Depends(finance_only)]
CapsStaff = Annotated[StaffMember, Depends(StaffOnly(Role.FINANCE, Role.ADMIN))]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
