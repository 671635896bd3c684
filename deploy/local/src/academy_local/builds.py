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
from dataclasses import dataclass
from pathlib import Path

from academy_local.paths import FERRETDB_MODULE, KAFKA_POM, cache_dir


class BuildError(RuntimeError):
    """A tool needed to resolve or build a server is missing or failed."""


def _digest(files: Iterable[Path], *extra: str) -> str:
    h = hashlib.sha256()
    for f in sorted(files):
        h.update(f.name.encode())
        h.update(f.read_bytes())
    for text in extra:
        h.update(text.encode())
    return h.hexdigest()[:16]


def run_tool(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a build tool; what it printed, or :class:`BuildError` with why it failed."""
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
    return result.stdout


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


@dataclass(frozen=True)
class Patch:
    """One change to FerretDB's released source: ``released`` (found exactly once in ``file``)
    becomes ``patched``."""

    file: str
    released: str
    patched: str


ID_LOOKUP = Patch(
    "internal/backends/sqlite/metadata/metadata.go",
    "IDColumn = DefaultColumn + \"->'$._id'\"",
    "IDColumn = DefaultColumn + \"->'_id'\"",
)
"""FerretDB 1.24's SQLite backend looks documents up by ``_id`` with the expression
``_ferretdb_sjson->'$._id'``, while the unique ``_id_`` index it creates is on
``_ferretdb_sjson->"_id"``. SQLite uses an index on an expression only for that very expression,
so every lookup, update and delete by ``_id`` read the whole table (EXPLAIN QUERY PLAN: ``SCAN``
against ``SEARCH ... USING INDEX`` for the indexed form; 43 ms against 0.05 ms at 10,000
documents). Both forms name the same JSON value (a label ``X`` is the path ``$.X``), so the
build writes the query side as the index is written; existing databases need nothing."""

UPDATE_RELEASES_ITS_READ = Patch(
    "internal/handler/msg_update.go",
    '\t\tresult, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n',
    '\t\tresult, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n'
    "\t\tcloser.Close() // academy-local: this update's read, now, not at the command's end\n",
)
"""FerretDB 1.24 runs the statements of one ``update`` command in turn, each reading its
documents on one of the database's SQLite connections (100 at most) and writing them on
another; but the read is released by a ``defer`` in the loop, so only when the whole command
ends. A bulk write of 101 updates of existing documents holds 100 connections and waits for a
101st for good, and every later request to that database waits behind it: the outbox relay's
clearing of 101 documents after a broker outage wedged the store (the kill -9 of the broker at
300 submissions). Patched, each statement releases its read when it is done (the ``defer`` stays
and closes nothing twice)."""

PATCHES = (ID_LOOKUP, UPDATE_RELEASES_ITS_READ)


def _patched_sources(work: Path) -> Path:
    """A copy of the wrapper module in ``work``, built against a copy of FerretDB's module with
    :data:`PATCHES` applied (the module cache is read-only to builds, and ``go build -overlay``
    may not replace its files); raises :class:`BuildError` if a released line is not found
    exactly once (a FerretDB version bump must look again)."""
    module = "github.com/FerretDB/FerretDB"
    run_tool(["go", "mod", "download", module], cwd=FERRETDB_MODULE)
    found = run_tool(["go", "list", "-m", "-f", "{{.Dir}}", module], cwd=FERRETDB_MODULE)
    _remove(work)
    upstream = work / "FerretDB"
    shutil.copytree(found.strip(), upstream, copy_function=shutil.copyfile)
    _writable(work)  # the module cache's folders are read-only, and copied so
    for patch in PATCHES:
        source = (upstream / patch.file).read_text()
        if source.count(patch.released) != 1:
            raise BuildError(f"FerretDB no longer reads {patch.released!r}: review the patch")
        (upstream / patch.file).write_text(source.replace(patch.released, patch.patched))
    wrapper = work / "wrapper"
    wrapper.mkdir()
    for name in ("go.mod", "go.sum", "main.go"):
        shutil.copyfile(FERRETDB_MODULE / name, wrapper / name)
    run_tool(["go", "mod", "edit", "-replace", f"{module}=../FerretDB"], cwd=wrapper)
    return wrapper


def _writable(folder: Path) -> None:
    for path, _, _ in os.walk(folder):
        Path(path).chmod(0o755)


def _remove(folder: Path) -> None:
    _writable(folder)
    shutil.rmtree(folder, ignore_errors=True)


def ferretdb_binary() -> Path:
    """The FerretDB 1.x binary built by ``go install`` from the wrapper module in ``ferretdb/``,
    with :data:`PATCHES` applied."""
    sources = [FERRETDB_MODULE / n for n in ("go.mod", "go.sum", "main.go")]
    digest = _digest(sources, *(patch.patched for patch in PATCHES))
    bin_dir = cache_dir() / "ferretdb" / digest / "bin"
    binary = bin_dir / "ferretdb"
    if binary.is_file():
        return binary
    env = dict(os.environ, GOBIN=str(bin_dir), CGO_ENABLED="0")
    work = bin_dir.parent / "src"
    wrapper = _patched_sources(work)
    # -trimpath keeps the copy's folder out of Go's build cache keys, so a fresh clone (a new
    # folder) reuses the packages compiled for an earlier one instead of compiling them again.
    run_tool(
        ["go", "install", "-trimpath", "-tags", "ferretdb_no_postgresql", "."],
        cwd=wrapper,
        env=env,
    )
    _remove(work)
    return binary
