"""Fast tests of the staff console's own rules: local accounts and their file, the session
cookie's idle and absolute limits, roles read from an identity provider's claim, complete
staff catalogs, and sign-in, refusal and sign-out over HTTP on the app (no service needed)."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from pydantic import SecretStr
from starlette.responses import Response

from academy_contracts.roles import Role
from academy_kit.settings import InsecureSecrets
from academy_web import i18n
from academy_web.main import create_app
from academy_web.security import csrf_token
from academy_web.services import Services
from academy_web.settings import WebSettings
from academy_web.staff.accounts import LocalAccounts, WeakPassword
from academy_web.staff.oidc import roles_in
from academy_web.staff.sessions import COOKIE, Cookies, Person

PASSWORD = "a long enough password"
LOCALES = i18n.LOCALES_DIR


def test_an_account_is_stored_hashed_in_a_file_only_its_owner_reads(tmp_path: Path) -> None:
    accounts = LocalAccounts(tmp_path / "staff.json")
    accounts.put("Desk@Academy.test ", "Nadia", {Role.CHECKIN}, PASSWORD)
    text = accounts.path.read_text()
    assert PASSWORD not in text
    assert "$argon2id$" in text
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600
    found = accounts.authenticate("desk@academy.test", PASSWORD)
    assert found is not None
    assert found.roles == {Role.CHECKIN}
    assert accounts.authenticate("desk@academy.test", PASSWORD + "!") is None
    assert accounts.authenticate("nobody@academy.test", PASSWORD) is None
    accounts.put("desk@academy.test", "Nadia", {Role.CHECKIN, Role.FINANCE}, PASSWORD + "2")
    assert [a.email for a in accounts.all()] == ["desk@academy.test"]
    assert accounts.authenticate("desk@academy.test", PASSWORD) is None
    with pytest.raises(WeakPassword):
        accounts.put("x@academy.test", "X", {Role.ADMIN}, "short")
    assert accounts.remove("desk@academy.test")
    assert accounts.all() == []


def _cookies(idle: float = 60, longest: float = 3600) -> Cookies:
    return Cookies(SecretStr("k" * 40), idle_seconds=idle, longest_seconds=longest, secure=True)


def _issued(cookies: Cookies, person: Person) -> str:
    page = Response()
    cookies.keep(page, person)
    header = page.headers["set-cookie"]
    assert "HttpOnly" in header
    assert "Secure" in header
    assert "Path=/staff" in header
    return header.split(";")[0].split("=", 1)[1]


def test_a_session_ends_when_idle_too_long_too_old_or_forged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = Person("a@b.test", "A", frozenset({Role.ADMIN}), "local", time.time())
    cookies = _cookies(idle=60)
    value = _issued(cookies, person)
    assert cookies.person(value) == person
    assert cookies.person(value[:-2] + "xx") is None
    assert _cookies(idle=60).person(value) == person
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    assert cookies.person(value) is None
    monkeypatch.setattr(time, "time", real)
    old = Person("a@b.test", "A", frozenset({Role.ADMIN}), "local", time.time() - 7200)
    assert _cookies(longest=3600).person(_issued(_cookies(longest=3600), old)) is None


def test_roles_come_from_the_named_claim_and_unknown_ones_are_ignored() -> None:
    assert roles_in({"roles": ["admin", "janitor"]}, "roles") == {Role.ADMIN}
    assert roles_in({"realm_access": {"roles": ["finance"]}}, "realm_access.roles") == {
        Role.FINANCE
    }
    assert roles_in({"groups": "checkin"}, "groups") == {Role.CHECKIN}
    assert roles_in({"roles": 3}, "roles") == frozenset()
    assert roles_in({}, "realm_access.roles") == frozenset()


def test_every_staff_message_is_translated_in_each_catalog() -> None:
    with (LOCALES / "staff.pot").open("rb") as pot:
        wanted = {m.id for m in read_po(pot) if m.id}
    for language in i18n.LANGUAGES:
        with (LOCALES / language / "LC_MESSAGES" / "staff.po").open("rb") as po:
            found = {m.id: m.string for m in read_po(po) if m.id}
        assert wanted <= set(found), (language, sorted(wanted - set(found))[:5])
        assert all(found[m] for m in wanted), language
    assert i18n.compile_catalogs(domain="staff")["fr"].gettext("Sign out") == "Se déconnecter"


def test_the_console_refuses_the_development_signing_key_outside_development() -> None:
    cookie = SecretStr("c" * 32)
    with pytest.raises(InsecureSecrets, match="ACADEMY_JWT_SECRET is the built-in"):
        WebSettings(env="production", cookie_secret=cookie).refuse_weak_secrets()
    with pytest.raises(InsecureSecrets, match="ACADEMY_JWT_SECRET has 5 bytes"):
        WebSettings(
            env="production", cookie_secret=cookie, jwt_secret=SecretStr("short")
        ).refuse_weak_secrets()
    WebSettings(
        env="production", cookie_secret=cookie, jwt_secret=SecretStr("s" * 32)
    ).refuse_weak_secrets()


async def test_sign_in_refusal_and_sign_out_over_http(tmp_path: Path) -> None:
    settings = WebSettings(
        env="development", staff_accounts_file=tmp_path / "staff.json", cookie_secure=False
    )
    accounts = LocalAccounts(settings.staff_accounts_file)
    accounts.put("c@academy.test", "C", {Role.COMMITTEE}, PASSWORD)
    down = httpx.MockTransport(lambda request: httpx.Response(503))
    app = create_app(settings, Services(settings, down))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://web.test") as client:
        first = await client.get("/staff/desk")
        assert first.status_code == 303
        assert first.headers["location"] == "/staff/sign-in?next=%2Fstaff%2Fdesk"
        await client.get("/staff/sign-in")
        csrf = csrf_token(settings.cookie_secret, client.cookies["academy_csrf"])
        form = {"csrf_token": csrf, "email": "c@academy.test", "next": "https://evil.test/"}
        wrong = await client.post("/staff/sign-in", data={**form, "password": "nope"})
        assert wrong.status_code == 401
        no_csrf = await client.post("/staff/sign-in", data={**form, "csrf_token": "x"})
        assert no_csrf.status_code == 403
        signed = await client.post("/staff/sign-in", data={**form, "password": PASSWORD})
        assert signed.status_code == 303
        assert signed.headers["location"] == "/staff"
        assert COOKIE in client.cookies
        home = (await client.get("/staff")).text
        assert 'href="/staff/reviews"' in home  # the committee's page, not the desk
        assert 'href="/staff/desk"' not in home
        refused = await client.get("/staff/desk")
        assert refused.status_code == 403
        posted = await client.post("/staff/desk/check-ins", data={"csrf_token": csrf})
        assert posted.status_code == 403
        out = await client.post("/staff/sign-out", data={"csrf_token": csrf})
        assert out.status_code == 303
        assert COOKIE not in client.cookies
        assert (await client.get("/staff")).status_code == 303
