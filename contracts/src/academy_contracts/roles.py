"""The staff roles every service agrees on: a staff token carries some of them, and each staff
route names the roles it admits (admin is not implied)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COMMITTEE = "committee"
    FINANCE = "finance"
    CHECKIN = "checkin"
