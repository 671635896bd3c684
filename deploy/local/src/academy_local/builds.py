"""Resolve the Kafka jars and build the FerretDB binary once, keyed by the inputs' hash.

A change to ``kafka/pom.xml`` or to the FerretDB wrapper module yields a new cache entry, so a
pinned-version bump is picked up without wiping anything by hand; an unchanged input is reused,
which is what makes a warm start quick.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from academy_local.paths import FERRETDB_MODULE, KAFKA_POM, cache_dir


class BuildError(RuntimeError):
    """A tool needed to resolve or build a server is missing or failed."""


def _digest(files: Iterable[Path]) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


def run_tool(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> None:
    tool = args[0]
    if shutil.which(tool) is None:
        raise BuildError(f"`{tool}` is not on PATH; it is needed to build the local servers")
    result = subprocess.run(  # noqa: S603 - fixed tool invocations
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BuildError(
            f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def kafka_classpath() -> Path:
    """The folder of Kafka broker jars resolved from Maven Central by ``kafka/pom.xml``."""
    libs = cache_dir() / "kafka" / _digest([KAFKA_POM]) / "libs"
    if libs.is_dir() and any(libs.glob("kafka_2.13-*.jar")):
        return libs
    staging = libs.with_name("libs.partial")
    shutil.rmtree(staging, ignore_errors=True)
    run_tool(
        [
            "mvn",
            "-B",
            "-q",
            "-f",
            str(KAFKA_POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={staging}",
        ],
        cwd=KAFKA_POM.parent,
    )
    staging.rename(libs)
    return libs


def ferretdb_binary() -> Path:
    """The FerretDB 1.x binary built by ``go install`` from the wrapper module in ``ferretdb/``."""
    sources = [FERRETDB_MODULE / n for n in ("go.mod", "go.sum", "main.go")]
    bin_dir = cache_dir() / "ferretdb" / _digest(sources) / "bin"
    binary = bin_dir / "ferretdb"
    if binary.is_file():
        return binary
    env = dict(os.environ, GOBIN=str(bin_dir), CGO_ENABLED="0")
    run_tool(
        ["go", "install", "-tags", "ferretdb_no_postgresql", "."], cwd=FERRETDB_MODULE, env=env
    )
    return binary
