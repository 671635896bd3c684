"""Local staff accounts: the embedded default for a single-machine install, where no identity
provider is at hand.

The web front has no database (it is a backend-for-frontend over the services' APIs), so the
accounts live in one small JSON file it owns: e-mail, name, roles and an argon2id hash of the
password, never the password. The file is written whole to a temporary file and renamed over
the old one (a reader never sees half of it), readable by its owner only, and read again at
each sign-in, so ``academy-staff add`` takes effect without a restart. Several replicas of the
front would each need the file: an organisation that runs several signs in through its
identity provider (OpenID Connect) instead."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from academy_contracts.roles import Role

_hasher = PasswordHasher()
"""argon2id with argon2-cffi's defaults (RFC 9106's second recommended option)."""
_DECOY = _hasher.hash("no account has this password")
"""Verified against when the e-mail is unknown, so that an unknown address takes as long to
refuse as a wrong password and the sign-in page does not tell which addresses exist."""
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class Account:
    email: str
    name: str
    roles: frozenset[Role]
    password_hash: str


class WeakPassword(ValueError):
    """Shorter than :data:`MIN_PASSWORD_LENGTH`."""


class LocalAccounts:
    """The accounts file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, Account]:
        if not self.path.exists():
            return {}
        raw = json.loads(self.path.read_text(encoding="utf-8"))
        return {
            entry["email"]: Account(
                entry["email"],
                entry["name"],
                frozenset(Role(r) for r in entry["roles"]),
                entry["password_hash"],
            )
            for entry in raw["accounts"]
        }

    def _write(self, accounts: dict[str, Account]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {
            "accounts": [
                {
                    "email": a.email,
                    "name": a.name,
                    "roles": sorted(r.value for r in a.roles),
                    "password_hash": a.password_hash,
                }
                for a in sorted(accounts.values(), key=lambda a: a.email)
            ]
        }
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".staff-")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(document, out, indent=1, ensure_ascii=False)
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def all(self) -> list[Account]:
        return sorted(self._read().values(), key=lambda a: a.email)

    def put(self, email: str, name: str, roles: set[Role], password: str) -> Account:
        """Create the account, or replace its name, roles and password."""
        if len(password) < MIN_PASSWORD_LENGTH:
            raise WeakPassword(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
        if not roles:
            raise ValueError("an account has at least one role")
        accounts = self._read()
        account = Account(
            email.strip().lower(), name.strip(), frozenset(roles), _hasher.hash(password)
        )
        accounts[account.email] = account
        self._write(accounts)
        return account

    def remove(self, email: str) -> bool:
        accounts = self._read()
        found = accounts.pop(email.strip().lower(), None)
        if found is not None:
            self._write(accounts)
        return found is not None

    def authenticate(self, email: str, password: str) -> Account | None:
        """The account whose password this is; None for an unknown e-mail or a wrong password,
        alike and in the same time."""
        account = self._read().get(email.strip().lower())
        try:
            _hasher.verify(account.password_hash if account else _DECOY, password)
        except (VerificationError, InvalidHashError):
            return None
        return account
