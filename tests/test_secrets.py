"""Services refuse to start with development or weak secrets unless told they run in
development (issue 12): anyone who knows the built-in secret could mint staff tokens and links."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from academy_kit.settings import DEV_JWT_SECRET, InsecureSecrets, ServiceSettings
from academy_registration.entrypoints.main import create_app
from academy_registration.settings import RegistrationSettings

STRONG = "k" * 32


@pytest.mark.parametrize(
    ("jwt_secret", "link_secret", "reason"),
    [
        (DEV_JWT_SECRET, STRONG, "ACADEMY_JWT_SECRET is the built-in development secret"),
        (STRONG, "x", "ACADEMY_LINK_SECRET has 1 bytes, fewer than 32"),
        (STRONG, "é" * 15, "ACADEMY_LINK_SECRET has 30 bytes, fewer than 32"),
        ("CHANGE-ME-jwt-secret-at-least-32-bytes", STRONG, "ACADEMY_JWT_SECRET is still the"),
    ],
)
def test_weak_secrets_are_refused_outside_development(
    jwt_secret: str, link_secret: str, reason: str
) -> None:
    production = ServiceSettings(
        env="production", jwt_secret=SecretStr(jwt_secret), link_secret=SecretStr(link_secret)
    )
    with pytest.raises(InsecureSecrets, match=reason):
        production.refuse_weak_secrets()
    production.model_copy(update={"env": "development"}).refuse_weak_secrets()


def test_secrets_of_32_bytes_are_accepted_in_production() -> None:
    strong = ServiceSettings(jwt_secret=SecretStr(STRONG), link_secret=SecretStr("l" * 32))
    strong.refuse_weak_secrets()


@pytest.mark.processes
def test_a_service_process_with_no_secrets_set_refuses_to_start(free_port: Any) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMY_")}
    env.update({"ACADEMY_HTTP_PORT": str(free_port()), "ACADEMY_CACHE_DIR": "/nonexistent"})
    started = subprocess.run(
        [str(Path(sys.executable).parent / "academy-registration")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert started.returncode != 0
    assert "registration refuses to start: ACADEMY_JWT_SECRET is the built-in" in started.stderr
    assert "ACADEMY_LINK_SECRET is the built-in development secret" in started.stderr


@pytest.mark.integration
async def test_a_service_starts_in_production_with_strong_secrets(
    service_settings: Any, run_app: Any
) -> None:
    settings = service_settings(
        RegistrationSettings, env="production", jwt_secret=STRONG, link_secret="l" * 40
    )
    async with run_app(create_app(settings)) as registration:
        assert (await registration.get("/health/live")).status_code == 200


@pytest.mark.integration
async def test_a_service_refuses_to_start_in_production_with_the_development_secrets(
    service_settings: Any, run_app: Any
) -> None:
    settings = service_settings(RegistrationSettings, env="production")
    with pytest.raises(InsecureSecrets):
        async with run_app(create_app(settings)):
            pass
