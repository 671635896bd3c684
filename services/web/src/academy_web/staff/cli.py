"""``academy-staff``: the console's local accounts, managed on the machine the web front runs
on (the file is ``ACADEMY_STAFF_ACCOUNTS_FILE``)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from academy_contracts.roles import Role
from academy_web.settings import WebSettings
from academy_web.staff.accounts import LocalAccounts, WeakPassword

PASSWORD_VARIABLE = "ACADEMY_STAFF_PASSWORD"  # noqa: S105 - a variable's name
"""Read instead of prompting, for scripts; a password on the command line would sit in the
shell's history and in the process list."""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="academy-staff", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account, or replace its name, roles, password")
    add.add_argument("--email", required=True)
    add.add_argument("--name", required=True, help="the name the console shows")
    add.add_argument(
        "--role",
        dest="roles",
        action="append",
        required=True,
        choices=[r.value for r in Role],
        help="a role of the account (repeat for several)",
    )
    remove = commands.add_parser("remove", help="delete an account")
    remove.add_argument("--email", required=True)
    commands.add_parser("list", help="the accounts and their roles")
    args = parser.parse_args(argv)
    accounts = LocalAccounts(WebSettings().staff_accounts_file)
    if args.command == "add":
        password = os.environ.get(PASSWORD_VARIABLE) or getpass.getpass("Password: ")
        try:
            account = accounts.put(args.email, args.name, {Role(r) for r in args.roles}, password)
        except WeakPassword as weak:
            sys.exit(f"academy-staff: {weak}")
        print(f"{account.email}: {', '.join(sorted(account.roles))} ({accounts.path})")
    elif args.command == "remove":
        if not accounts.remove(args.email):
            sys.exit(f"academy-staff: no account {args.email}")
    else:
        for account in accounts.all():
            print(f"{account.email}\t{account.name}\t{','.join(sorted(account.roles))}")
