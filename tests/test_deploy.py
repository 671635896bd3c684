"""The deployment artefacts agree with the code they deploy.

``deploy/docker/Dockerfile``, ``deploy/compose.yaml`` and ``deploy/kubernetes/`` are never run on
the build machine (it has no container engine and no cluster), so this module reads them and
checks them against the services themselves: image stages and console scripts, ports and the
settings' defaults, every environment variable against the settings field it sets (and its
value against the field's type), health routes, the image user, the build context, and the
topics against the contracts' registry. No server is needed.
"""

from __future__ import annotations

import http.server
import os
import re
import subprocess
import sys
import threading
import tomllib
import types
import typing
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any, cast

import pytest
import yaml  # type: ignore[import-untyped]
from pydantic import AliasChoices, BaseModel
from pydantic_settings import BaseSettings

from academy_contracts.registry import all_topics
from academy_documents.settings import DocumentsSettings
from academy_kit.settings import InsecureSecrets, ServiceSettings
from academy_notification.settings import NotificationSettings
from academy_registration.settings import RegistrationSettings
from academy_reimbursement.settings import ReimbursementSettings
from academy_selection.settings import SelectionSettings
from academy_web.settings import WebSettings

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
DOCKERFILE = DEPLOY / "docker" / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
KUBERNETES = DEPLOY / "kubernetes"
NAMESPACE = "cluster-academy"

SERVICES: dict[str, type[ServiceSettings]] = {
    "registration": RegistrationSettings,
    "selection": SelectionSettings,
    "notification": NotificationSettings,
    "reimbursement": ReimbursementSettings,
    "documents": DocumentsSettings,
}
SERVICE_NAMES = list(SERVICES)
WEB_BACKENDS = [name for name in SERVICE_NAMES if name != "documents"]
"""The services the web pages call (the documents service has no pages yet)."""
IMAGES: dict[str, type[BaseSettings]] = {**SERVICES, "web": WebSettings}
"""Every image: the five services, and the web pages (no Kafka, no database of their own)."""
IMAGE_NAMES = list(IMAGES)


def http_port(service: str) -> int:
    return cast(int, IMAGES[service].model_fields["http_port"].default)


# --- environment variables -> settings fields -------------------------------------------------


def _env_names(settings: type[BaseSettings], field_name: str) -> list[str]:
    """The variables pydantic-settings reads for one field: its aliases, else prefix + name."""
    alias = settings.model_fields[field_name].validation_alias
    if isinstance(alias, AliasChoices):
        return [choice for choice in alias.choices if isinstance(choice, str)]
    if isinstance(alias, str):
        return [alias]
    return [f"{settings.model_config.get('env_prefix', '')}{field_name}"]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model an annotation holds (``Model`` or ``Model | None``), if any."""
    candidates = (
        typing.get_args(annotation)
        if typing.get_origin(annotation) in (typing.Union, types.UnionType)
        else (annotation,)
    )
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def settings_field(settings: type[BaseSettings], env_name: str) -> str | None:
    """The field (dotted for nested models) that ``env_name`` sets, or None when it sets none.

    Follows pydantic-settings: case-insensitive unless configured otherwise, ``env_prefix``
    unless the field has a validation alias, ``<FIELD><delimiter><SUBFIELD>`` for nested models
    when ``env_nested_delimiter`` is set.
    """
    config = settings.model_config
    fold = (lambda s: s) if config.get("case_sensitive", False) else str.lower
    wanted = fold(env_name)
    delimiter = config.get("env_nested_delimiter")
    for field_name, field in settings.model_fields.items():
        for name in map(fold, _env_names(settings, field_name)):
            if wanted == name:
                return field_name
            model = _model_of(field.annotation)
            if delimiter and model and wanted.startswith(name + fold(delimiter)):
                path = wanted[len(name) + len(delimiter) :].split(fold(delimiter))
                dotted = [field_name]
                for part in path:
                    if model is None or part not in model.model_fields:
                        return None
                    dotted.append(part)
                    model = _model_of(model.model_fields[part].annotation)
                return ".".join(dotted)
    return None


@pytest.mark.parametrize(
    ("settings", "env_name", "expected"),
    [
        (RegistrationSettings, "KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
        (RegistrationSettings, "ACADEMY_KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
        (RegistrationSettings, "MONGODB_URI", "mongodb_uri"),
        (RegistrationSettings, "ACADEMY_JWT_SECRET", "jwt_secret"),
        (RegistrationSettings, "academy_http_port", "http_port"),
        (RegistrationSettings, "ACADEMY_SEED_FIRST_EDITION", "seed_first_edition"),
        (RegistrationSettings, "KAFKA_BOOTSTRAP_SERVER", None),
        (RegistrationSettings, "ACADEMY_SERVICE", None),
        (RegistrationSettings, "ACADEMY_SMTP_HOST", None),
        (RegistrationSettings, "HTTP_PORT", None),
        (NotificationSettings, "ACADEMY_SMTP_HOST", "smtp_host"),
        (NotificationSettings, "ACADEMY_SMTP_HOTS", None),
        (NotificationSettings, "ACADEMY_PROGRAM__CONTACT_EMAIL", "program.contact_email"),
        (NotificationSettings, "ACADEMY_PROGRAM__CONTACT_MAIL", None),
        (NotificationSettings, "ACADEMY_PROGRAM_CONTACT_EMAIL", None),
        (SelectionSettings, "ACADEMY_OFFER_SWEEP_SECONDS", "offer_sweep_seconds"),
        (ReimbursementSettings, "ACADEMY_DEFAULT_CAPS_EUR", "default_caps_eur"),
    ],
)
def test_settings_field_maps_names_as_pydantic_settings_reads_them(
    settings: type[BaseSettings], env_name: str, expected: str | None
) -> None:
    assert settings_field(settings, env_name) == expected


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No setting from the test run's own environment leaks into a settings check."""
    for name in list(os.environ):
        if name.upper().startswith("ACADEMY_") or name.upper() in {
            "KAFKA_BOOTSTRAP_SERVERS",
            "MONGODB_URI",
        }:
            monkeypatch.delenv(name)
    return monkeypatch


def check_environment(
    service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, where: str
) -> Any:
    """Every variable sets a field of the service's settings, and the values validate."""
    settings = IMAGES[service]
    unknown = sorted(name for name in env if settings_field(settings, name) is None)
    assert not unknown, f"{where}: {unknown} set no field of {settings.__name__}"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loaded = settings()
    for name in env:
        monkeypatch.delenv(name)
    return loaded


# --- Dockerfile -------------------------------------------------------------------------------


class Instruction(typing.NamedTuple):
    keyword: str
    args: str


class Stage(typing.NamedTuple):
    base: str
    name: str | None
    instructions: list[Instruction]

    def all(self, keyword: str) -> list[str]:
        return [i.args for i in self.instructions if i.keyword == keyword]

    def env(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for args in self.all("ENV"):
            for pair in re.findall(r'(\w+)=("[^"]*"|\S+)', args):
                found[pair[0]] = pair[1].strip('"')
        return found


def parse_dockerfile(text: str) -> tuple[dict[str, str], list[Stage]]:
    """The global ARG defaults and the stages of a Dockerfile, continuation lines joined."""
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    global_args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in lines:
        keyword, _, args = line.partition(" ")
        keyword, args = keyword.upper(), args.strip()
        if keyword == "FROM":
            match = re.fullmatch(r"(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?", args, re.IGNORECASE)
            assert match, line
            stages.append(Stage(match[1], match[2], []))
        elif not stages:
            assert keyword == "ARG", f"only ARG may precede the first FROM: {line}"
            name, _, default = args.partition("=")
            global_args[name] = default
        else:
            stages[-1].instructions.append(Instruction(keyword, args))
    return global_args, stages


def substitute(text: str, variables: dict[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` replaced as the Dockerfile (and a shell) would."""
    return re.sub(
        r"\$\{(\w+)\}|\$(\w+)",
        lambda m: variables.get(m[1] or m[2], m[0]),
        text,
    )


@pytest.fixture(scope="module")
def dockerfile() -> tuple[dict[str, str], dict[str | None, Stage], list[Stage]]:
    global_args, stages = parse_dockerfile(DOCKERFILE.read_text())
    return global_args, {stage.name: stage for stage in stages}, stages


DockerfileParts = tuple[dict[str, str], dict[str | None, Stage], list[Stage]]


def _json_list(args: str) -> list[str]:
    value = yaml.safe_load(args)
    assert isinstance(value, list), f"not exec form: {args}"
    return [str(item) for item in value]


def project(pyproject: Path) -> dict[str, Any]:
    return cast(dict[str, Any], tomllib.loads(pyproject.read_text())["project"])


def test_the_image_built_is_the_stage_of_the_service_named_by_the_build_arg(
    dockerfile: DockerfileParts,
) -> None:
    global_args, by_name, stages = dockerfile
    assert "SERVICE" in global_args
    assert global_args["SERVICE"] == "", "SERVICE has no default: a build names its service"
    assert stages[-1].base == "service-${SERVICE}"
    assert stages[-1].name is None
    service_stages = {s.name for s in stages if s.name and s.name.startswith("service-")}
    assert service_stages == {f"service-{name}" for name in IMAGE_NAMES}
    for name in IMAGE_NAMES:
        assert by_name[f"service-{name}"].base == "runtime"


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_each_service_stage_runs_its_console_script_on_its_port(
    service: str, dockerfile: DockerfileParts
) -> None:
    _, by_name, _ = dockerfile
    stage = by_name[f"service-{service}"]
    env = stage.env()
    assert env["SERVICE"] == service
    assert int(env["ACADEMY_HTTP_PORT"]) == http_port(service)
    assert stage.all("EXPOSE") == [str(http_port(service))]

    assert not by_name["runtime"].all("ENTRYPOINT") + stage.all("ENTRYPOINT"), "CMD runs as is"
    (cmd,) = stage.all("CMD")
    command = _json_list(cmd)
    scripts = project(ROOT / "services" / service / "pyproject.toml")["scripts"]
    assert command == [f"academy-{service}"]
    assert command[0] in scripts, f"{command[0]} is not in {service}'s [project.scripts]"
    module, _, function = scripts[command[0]].partition(":")
    assert callable(getattr(import_module(module), function))


def test_the_build_installs_one_service_from_the_lock(dockerfile: DockerfileParts) -> None:
    _, by_name, _ = dockerfile
    build = by_name["build"]
    syncs = [r for r in build.all("RUN") if "uv sync" in r]
    assert len(syncs) == 2
    for sync in syncs:
        assert "--frozen" in sync
        assert "--no-dev" in sync
        assert '--package "academy-${SERVICE}"' in sync
    assert "--no-editable" in syncs[-1], "the runtime image holds no source tree"
    assert by_name["build"].env()["UV_PROJECT_ENVIRONMENT"] == "/app/.venv"
    assert any("/app/.venv /app/.venv" in c for c in by_name["runtime"].all("COPY"))
    for service in IMAGE_NAMES:
        pyproject = ROOT / "services" / service / "pyproject.toml"
        assert project(pyproject)["name"] == f"academy-{service}"


def test_the_build_copies_the_whole_workspace_definition(dockerfile: DockerfileParts) -> None:
    """uv resolves the workspace from every member's pyproject.toml, so each must be copied."""
    _, by_name, _ = dockerfile
    copied = {part for c in by_name["build"].all("COPY") for part in c.split()[:-1]}
    members = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["uv"]["workspace"]
    for member in members["members"]:
        assert f"{member}/pyproject.toml" in copied, member
    assert {"pyproject.toml", "uv.lock"} <= copied


def test_the_runtime_is_slim_python_as_an_unprivileged_user(dockerfile: DockerfileParts) -> None:
    global_args, by_name, _ = dockerfile
    python_image = global_args["PYTHON_IMAGE"]
    assert python_image == "python:3.11-slim"
    assert by_name["runtime"].base == by_name["build"].base == "${PYTHON_IMAGE}"
    assert "ghcr.io/astral-sh/uv:" in global_args["UV_IMAGE"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == ">=3.11"

    (user,) = by_name["runtime"].all("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit(), "a numeric uid lets Kubernetes check runAsNonRoot"
    assert gid.isdigit()
    assert int(uid) > 0
    assert int(gid) > 0
    env = by_name["runtime"].env()
    assert env["ACADEMY_HTTP_HOST"] == "0.0.0.0"
    settings_names = [n for n in env if n.startswith("ACADEMY_")]
    for service in IMAGE_NAMES:
        names = settings_names + [
            n for n in by_name[f"service-{service}"].env() if n.startswith("ACADEMY_")
        ]
        for name in names:
            assert settings_field(IMAGES[service], name), name


def test_the_image_healthcheck_asks_the_service_if_it_lives(
    dockerfile: DockerfileParts,
) -> None:
    _, by_name, _ = dockerfile
    (healthcheck,) = by_name["runtime"].all("HEALTHCHECK")
    command = _json_list(healthcheck.split(" CMD ", 1)[1])
    assert command == ["python", "/app/healthcheck.py", "/health/live"]
    assert any(
        c.split()[-2:] == ["deploy/docker/healthcheck.py", "/app/healthcheck.py"]
        for c in by_name["runtime"].all("COPY")
    )


class _HealthHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response({"/health/live": 200, "/health/ready": 503}.get(self.path, 404))
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[int]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _HealthHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _healthcheck(port: int, *path: str) -> int:
    script = DEPLOY / "docker" / "healthcheck.py"
    env = {**os.environ, "ACADEMY_HTTP_PORT": str(port)}
    return subprocess.run([sys.executable, str(script), *path], env=env, timeout=30).returncode


@pytest.mark.processes
def test_the_healthcheck_script_passes_on_200_only(health_server: int) -> None:
    assert _healthcheck(health_server) == 0
    assert _healthcheck(health_server, "/health/live") == 0
    assert _healthcheck(health_server, "/health/ready") == 1
    assert _healthcheck(health_server, "/nowhere") == 1


@pytest.mark.processes
def test_the_healthcheck_script_fails_when_nothing_listens(health_server: int) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert _healthcheck(free) == 1


# --- .dockerignore ----------------------------------------------------------------------------


def _pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus ``**``) as a regular expression."""
    regex, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            regex, i = regex + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            regex, i = regex + ".*", i + 2
        elif pattern[i] == "*":
            regex, i = regex + "[^/]*", i + 1
        elif pattern[i] == "?":
            regex, i = regex + "[^/]", i + 1
        elif pattern[i] == "[":
            end = pattern.index("]", i)
            regex, i = regex + pattern[i : end + 1], end + 1
        else:
            regex, i = regex + re.escape(pattern[i]), i + 1
    return re.compile(regex)


def in_build_context(path: str, rules: list[str]) -> bool:
    """Whether Docker sends ``path`` with the build context: the last rule matching the path or
    one of its parent directories decides, ``!`` rules re-including."""
    parents = [path] + ["/".join(path.split("/")[:n]) for n in range(1, path.count("/") + 1)]
    excluded = False
    for rule in rules:
        negated = rule.startswith("!")
        regex = _pattern(rule.lstrip("!").strip("/"))
        if any(regex.fullmatch(p) for p in parents):
            excluded = not negated
    return not excluded


@pytest.fixture(scope="module")
def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_in_build_context_follows_docker_rules() -> None:
    rules = ["*", "!src", "**/__pycache__", "!keep/*.py"]
    assert not in_build_context("README.md", rules)
    assert not in_build_context("other/file.py", rules)
    assert in_build_context("src/a/b.py", rules)
    assert not in_build_context("src/a/__pycache__/b.pyc", rules)
    assert in_build_context("keep/x.py", rules)
    assert not in_build_context("keep/x.txt", rules)


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_the_build_context_holds_what_the_dockerfile_copies(
    service: str, dockerfile: DockerfileParts, dockerignore: list[str]
) -> None:
    _, _, stages = dockerfile
    for stage in stages:
        for copy in stage.all("COPY"):
            parts = copy.split()
            if any(p.startswith("--from") for p in parts):
                continue
            for source in (p for p in parts[:-1] if not p.startswith("--")):
                path = ROOT / substitute(source, {"SERVICE": service})
                assert path.exists(), f"COPY {source}: {path} does not exist"
                files = [path] if path.is_file() else sorted(path.rglob("*"))
                for file in files:
                    relative = file.relative_to(ROOT).as_posix()
                    if not file.is_file() or "__pycache__" in relative:
                        continue
                    assert in_build_context(relative, dockerignore), relative


@pytest.mark.parametrize(
    "path",
    [
        ".git/HEAD",
        ".venv/pyvenv.cfg",
        ".cache/state/dev/kafka.log",
        "benchmarks/results/selection.json",
        "deploy/.env",
        "deploy/local/src/academy_local/servers.py",
        "tests/test_deploy.py",
        "services/selection/tests/conftest.py",
        "kit/src/academy_kit/__pycache__/settings.cpython-311.pyc",
        "services/selection/src/.venv/bin/python",
        "services/selection/src/.env",
        "kit/src/.cache/anything",
    ],
)
def test_the_build_context_leaves_out_what_no_image_needs(
    path: str, dockerignore: list[str]
) -> None:
    assert not in_build_context(path, dockerignore)


# --- compose ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return cast(dict[str, Any], yaml.safe_load(COMPOSE.read_text()))


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


_INTERPOLATION = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def interpolate(value: Any, env: dict[str, str]) -> str:
    """A compose value as compose resolves it with ``env`` (``$$`` is a literal ``$``)."""

    def one(match: re.Match[str]) -> str:
        if match[0] == "$$":
            return "$"
        name = match[1] or match[4]
        if name in env:
            return env[name]
        assert (match[2] or "").endswith("-"), f"${{{name}}} has no value and no default"
        return match[3]

    return _INTERPOLATION.sub(one, str(value))


def variables_used(compose_text: str) -> set[str]:
    return {m[1] or m[4] for m in _INTERPOLATION.finditer(compose_text) if m[0] != "$$"}


def test_compose_variables_are_the_documented_ones(env_example: dict[str, str]) -> None:
    used = variables_used(COMPOSE.read_text())
    assert used == set(env_example), "deploy/.env.example documents exactly what compose reads"
    for name, value in env_example.items():
        if "SECRET" in name:
            assert value.startswith("CHANGE-ME"), f"{name} in .env.example must be a placeholder"


def test_compose_requires_the_secrets(compose: dict[str, Any]) -> None:
    for service in SERVICE_NAMES:
        env = compose["services"][service]["environment"]
        for name in ("ACADEMY_JWT_SECRET", "ACADEMY_LINK_SECRET"):
            assert re.fullmatch(rf"\$\{{{name}:\?.+\}}", env[name]), f"{service}: {name}"


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_compose_builds_each_service_from_the_dockerfile(
    service: str, compose: dict[str, Any]
) -> None:
    spec = compose["services"][service]
    build = spec["build"]
    context = (COMPOSE.parent / build["context"]).resolve()
    assert context == ROOT
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE
    assert build["args"] == {"SERVICE": service}
    assert spec["image"].split(":")[0] == f"cluster-academy/{service}"


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_compose_publishes_each_service_on_its_port(service: str, compose: dict[str, Any]) -> None:
    (mapping,) = compose["services"][service]["ports"]
    host, container = str(mapping).rsplit(":", 1)[-2:]
    assert int(container) == http_port(service)
    assert int(host.rsplit(":", 1)[-1]) == http_port(service)


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_environment_is_settings(
    service: str,
    compose: dict[str, Any],
    env_example: dict[str, str],
    clean_env: pytest.MonkeyPatch,
) -> None:
    raw = compose["services"][service]["environment"]
    env = {name: interpolate(value, env_example) for name, value in raw.items()}
    settings = check_environment(service, env, clean_env, f"compose {service}")

    services = compose["services"]
    kafka_env = services["kafka"]["environment"]
    advertised = re.findall(r"\w+://([^,]+)", kafka_env["KAFKA_ADVERTISED_LISTENERS"])
    assert settings.kafka_bootstrap_servers in advertised
    mongo = re.fullmatch(r"mongodb://([\w-]+):(\d+)/.*", settings.mongodb_uri)
    assert mongo is not None
    assert mongo[1] in services
    assert mongo[2] == "27017"
    assert settings.http_port == http_port(service)
    assert settings.jwt_secret.get_secret_value() == env_example["ACADEMY_JWT_SECRET"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_services_refuse_the_example_placeholders(
    service: str,
    compose: dict[str, Any],
    env_example: dict[str, str],
    clean_env: pytest.MonkeyPatch,
) -> None:
    raw = compose["services"][service]["environment"]
    env = {name: interpolate(value, env_example) for name, value in raw.items()}
    settings = check_environment(service, env, clean_env, f"compose {service}")
    assert settings.env == "production"
    with pytest.raises(InsecureSecrets, match="ACADEMY_JWT_SECRET is still the example"):
        settings.refuse_weak_secrets()


def test_compose_notification_mails_the_catcher(
    compose: dict[str, Any], env_example: dict[str, str], clean_env: pytest.MonkeyPatch
) -> None:
    raw = compose["services"]["notification"]["environment"]
    env = {name: interpolate(value, env_example) for name, value in raw.items()}
    settings = check_environment("notification", env, clean_env, "compose notification")
    assert isinstance(settings, NotificationSettings)
    assert settings.smtp_host == "mailpit"
    assert settings.smtp_port == 1025
    assert compose["services"]["mailpit"]["image"].startswith("axllent/mailpit:")
    assert "127.0.0.1:8025:8025" in compose["services"]["mailpit"]["ports"]
    assert compose["services"]["notification"]["depends_on"]["mailpit"] == {
        "condition": "service_healthy"
    }


def test_compose_web_calls_the_four_services_and_keeps_its_secret(
    compose: dict[str, Any], env_example: dict[str, str], clean_env: pytest.MonkeyPatch
) -> None:
    spec = compose["services"]["web"]
    raw = spec["environment"]
    assert re.fullmatch(r"\$\{ACADEMY_COOKIE_SECRET:\?.+\}", raw["ACADEMY_COOKIE_SECRET"])
    env = {name: interpolate(value, env_example) for name, value in raw.items()}
    settings = check_environment("web", env, clean_env, "compose web")
    assert isinstance(settings, WebSettings)
    assert settings.http_port == http_port("web")
    for service in WEB_BACKENDS:
        assert getattr(settings, f"{service}_url") == f"http://{service}:{http_port(service)}"
        assert spec["depends_on"][service] == {"condition": "service_healthy"}
    assert not any(name in raw for name in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI"))
    assert spec["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py", "/health/ready"]
    notification = compose["services"]["notification"]["environment"]
    link = interpolate(notification["ACADEMY_LINK_BASE_URL"], {})
    assert link == f"http://localhost:{http_port('web')}/applications", "emails link to the pages"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_compose_starts_each_service_after_topics_and_database(
    service: str, compose: dict[str, Any]
) -> None:
    spec = compose["services"][service]
    depends = spec["depends_on"]
    assert depends["kafka-topics"] == {"condition": "service_completed_successfully"}
    assert depends["mongo"] == {"condition": "service_healthy"}
    assert set(depends) <= set(compose["services"])
    test = spec["healthcheck"]["test"]
    assert test == ["CMD", "python", "/app/healthcheck.py", "/health/ready"]


def test_compose_runs_real_kafka_and_mongodb(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert re.fullmatch(r"apache/kafka:3\.9\.\d+", services["kafka"]["image"])
    assert re.fullmatch(r"mongo:7(\.\d+)*", services["mongo"]["image"])
    kafka = services["kafka"]["environment"]
    assert str(kafka["KAFKA_AUTO_CREATE_TOPICS_ENABLE"]).lower() == "false"
    assert kafka["KAFKA_PROCESS_ROLES"] == "broker,controller"
    for name in ("kafka", "mongo", "mailpit"):
        assert services[name]["healthcheck"]["test"]
    topics = services["kafka-topics"]
    assert topics["image"] == services["kafka"]["image"]
    assert topics["depends_on"] == {"kafka": {"condition": "service_healthy"}}


def test_compose_creates_every_topic_of_the_registry(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    job = compose["services"]["kafka-topics"]
    assert job["environment"]["TOPICS"].split() == all_topics()
    assert int(job["environment"]["REPLICATION_FACTOR"]) == 1, "one broker"
    script = interpolate(job["command"][-1], env_example)
    assert "for topic in $TOPICS" in script
    assert "--if-not-exists" in script
    assert job["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"


# --- Kubernetes -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests() -> dict[str, list[dict[str, Any]]]:
    """Every document of every manifest file (the example Secret included), by file name."""
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        docs = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        found[path.name] = cast(list[dict[str, Any]], docs)
    return found


def objects(
    manifests: dict[str, list[dict[str, Any]]], kind: str, name: str | None = None
) -> list[dict[str, Any]]:
    return [
        doc
        for docs in manifests.values()
        for doc in docs
        if doc["kind"] == kind and (name is None or doc["metadata"]["name"] == name)
    ]


def one(manifests: dict[str, list[dict[str, Any]]], kind: str, name: str) -> dict[str, Any]:
    (found,) = objects(manifests, kind, name)
    return found


def test_kustomization_applies_every_manifest_but_the_example_secret(
    manifests: dict[str, list[dict[str, Any]]],
) -> None:
    (kustomization,) = manifests["kustomization.yaml"]
    assert kustomization["namespace"] == NAMESPACE
    resources = kustomization["resources"]
    assert len(resources) == len(set(resources))
    assert set(resources) == set(manifests) - {"kustomization.yaml", "secret.example.yaml"}
    assert {doc["kind"] for doc in manifests["secret.example.yaml"]} == {"Secret"}


def test_the_example_secrets_are_placeholders(
    manifests: dict[str, list[dict[str, Any]]],
) -> None:
    text = (KUBERNETES / "secret.example.yaml").read_text()
    assert "EXAMPLE ONLY" in text
    for secret in manifests["secret.example.yaml"]:
        for name, value in secret["stringData"].items():
            assert "CHANGE-ME" in value, f"{secret['metadata']['name']}.{name}"


def test_every_object_lives_in_the_namespace(manifests: dict[str, list[dict[str, Any]]]) -> None:
    one(manifests, "Namespace", NAMESPACE)
    for file, docs in manifests.items():
        for doc in docs:
            if doc["kind"] not in {"Namespace", "Kustomization"}:
                assert doc["metadata"]["namespace"] == NAMESPACE, f"{file}: {doc['kind']}"


def _pod_env(
    manifests: dict[str, list[dict[str, Any]]], container: dict[str, Any]
) -> dict[str, str]:
    """The variables a container gets: its envFrom sources (as the example Secrets hold them),
    then its own env."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        kind, ref = (
            ("ConfigMap", source["configMapRef"])
            if "configMapRef" in source
            else ("Secret", source["secretRef"])
        )
        (obj,) = objects(manifests, kind, ref["name"])
        env.update({k: str(v) for k, v in (obj.get("data") or obj["stringData"]).items()})
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = str(item["value"])
        else:
            ref = item["valueFrom"].get("configMapKeyRef") or item["valueFrom"]["secretKeyRef"]
            kind = "ConfigMap" if "configMapKeyRef" in item["valueFrom"] else "Secret"
            obj = one(manifests, kind, ref["name"])
            env[item["name"]] = str((obj.get("data") or obj["stringData"])[ref["key"]])
    return env


def _container(deployment: dict[str, Any]) -> dict[str, Any]:
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return cast(dict[str, Any], container)


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_kubernetes_runs_each_service_image_on_its_port(
    service: str, manifests: dict[str, list[dict[str, Any]]], compose: dict[str, Any]
) -> None:
    deployment = one(manifests, "Deployment", service)
    container = _container(deployment)
    assert container["image"].split(":")[0] == compose["services"][service]["image"].split(":")[0]
    (port,) = container["ports"]
    assert port == {"name": "http", "containerPort": http_port(service), "protocol": "TCP"}
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/port"] == str(http_port(service))
    assert annotations["prometheus.io/path"] == "/metrics"

    svc = one(manifests, "Service", service)
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    (service_port,) = svc["spec"]["ports"]
    assert service_port["port"] == http_port(service)
    assert service_port["targetPort"] == "http"


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_kubernetes_probes_the_health_routes(
    service: str, manifests: dict[str, list[dict[str, Any]]]
) -> None:
    container = _container(one(manifests, "Deployment", service))
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_kubernetes_upgrades_without_downtime(
    service: str, manifests: dict[str, list[dict[str, Any]]]
) -> None:
    spec = one(manifests, "Deployment", service)["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert spec["strategy"]["rollingUpdate"]["maxSurge"] >= 1
    resources = _container(one(manifests, "Deployment", service))["resources"]
    assert resources["requests"]["cpu"]
    assert resources["requests"]["memory"]
    assert resources["limits"]["memory"]


@pytest.mark.parametrize("service", IMAGE_NAMES)
def test_kubernetes_runs_each_service_unprivileged(
    service: str, manifests: dict[str, list[dict[str, Any]]], dockerfile: DockerfileParts
) -> None:
    _, by_name, _ = dockerfile
    (user,) = by_name["runtime"].all("USER")
    pod = one(manifests, "Deployment", service)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert f"{pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}" == user
    assert pod["automountServiceAccountToken"] is False
    container = _container(one(manifests, "Deployment", service))
    security = container["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "a writable /tmp on a read-only root"


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_kubernetes_environment_is_settings(
    service: str, manifests: dict[str, list[dict[str, Any]]], clean_env: pytest.MonkeyPatch
) -> None:
    container = _container(one(manifests, "Deployment", service))
    env = _pod_env(manifests, container)
    for name in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI", "ACADEMY_JWT_SECRET"):
        assert name in env, f"{service} gets no {name}"
    assert "ACADEMY_LINK_SECRET" in env
    settings = check_environment(service, env, clean_env, f"kubernetes {service}")
    assert settings.http_port == http_port(service)
    assert settings.env == "production"  # so the example's placeholder secrets are refused
    with pytest.raises(InsecureSecrets, match="ACADEMY_LINK_SECRET is still the example"):
        settings.refuse_weak_secrets()


def test_kubernetes_web_calls_the_four_services_and_keeps_its_secret(
    manifests: dict[str, list[dict[str, Any]]], clean_env: pytest.MonkeyPatch
) -> None:
    env = _pod_env(manifests, _container(one(manifests, "Deployment", "web")))
    assert "ACADEMY_COOKIE_SECRET" in env
    assert not any(name in env for name in ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URI"))
    settings = check_environment("web", env, clean_env, "kubernetes web")
    assert isinstance(settings, WebSettings)
    for service in WEB_BACKENDS:
        (port,) = one(manifests, "Service", service)["spec"]["ports"]
        assert getattr(settings, f"{service}_url") == f"http://{service}:{port['port']}"


def test_kubernetes_notification_gets_its_mail_settings(
    manifests: dict[str, list[dict[str, Any]]], clean_env: pytest.MonkeyPatch
) -> None:
    container = _container(one(manifests, "Deployment", "notification"))
    env = _pod_env(manifests, container)
    settings = check_environment("notification", env, clean_env, "kubernetes notification")
    assert isinstance(settings, NotificationSettings)
    assert settings.smtp_host != "127.0.0.1"
    assert settings.link_base_url.startswith("https://")
    for other in ("registration", "selection", "reimbursement"):
        names = _pod_env(manifests, _container(one(manifests, "Deployment", other)))
        assert not any("SMTP" in name for name in names), f"{other} gets the SMTP login"


def test_kubernetes_creates_every_topic_of_the_registry(
    manifests: dict[str, list[dict[str, Any]]], compose: dict[str, Any]
) -> None:
    job = one(manifests, "Job", "kafka-topics")
    (container,) = job["spec"]["template"]["spec"]["containers"]
    env = _pod_env(manifests, container)
    assert env["TOPICS"].split() == all_topics()
    registration = _pod_env(manifests, _container(one(manifests, "Deployment", "registration")))
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == registration["KAFKA_BOOTSTRAP_SERVERS"]
    assert container["image"] == compose["services"]["kafka"]["image"]
    compose_job = compose["services"]["kafka-topics"]
    same_as_compose = [interpolate(part, {}) for part in compose_job["command"]]
    assert container["command"] == same_as_compose
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert env["LOG_DIR"] == "/tmp"
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/tmp"}
