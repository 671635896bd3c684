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


ID_COLUMN_FILE = "internal/backends/sqlite/metadata/metadata.go"
ID_COLUMN_AS_RELEASED = "IDColumn = DefaultColumn + \"->'$._id'\""
ID_COLUMN_INDEXED = "IDColumn = DefaultColumn + \"->'_id'\""
"""FerretDB 1.24's SQLite backend looks documents up by ``_id`` with the expression
``_ferretdb_sjson->'$._id'``, while the unique ``_id_`` index it creates is on
``_ferretdb_sjson->"_id"``. SQLite uses an index on an expression only for that very expression,
so every lookup, update and delete by ``_id`` read the whole table (EXPLAIN QUERY PLAN: ``SCAN``
against ``SEARCH ... USING INDEX`` for the indexed form; 43 ms against 0.05 ms at 10,000
documents). Both forms name the same JSON value (a label ``X`` is the path ``$.X``), so the
build writes the query side as the index is written, in a copy of the module (``go build
-overlay`` may not replace files of the module cache); existing databases need nothing."""


def _patched_sources(work: Path) -> Path:
    """A copy of the wrapper module in ``work``, built against a copy of FerretDB's module whose
    ``_id`` lookups use the ``_id`` index (the module cache itself is read-only to builds);
    raises :class:`BuildError` if the released line is not found (a FerretDB version bump must
    look again)."""
    module = "github.com/FerretDB/FerretDB"
    run_tool(["go", "mod", "download", module], cwd=FERRETDB_MODULE)
    found = run_tool(["go", "list", "-m", "-f", "{{.Dir}}", module], cwd=FERRETDB_MODULE)
    _remove(work)
    upstream = work / "FerretDB"
    shutil.copytree(found.strip(), upstream, copy_function=shutil.copyfile)
    _writable(work)  # the module cache's folders are read-only, and copied so
    source = (upstream / ID_COLUMN_FILE).read_text()
    if source.count(ID_COLUMN_AS_RELEASED) != 1:
        raise BuildError(f"FerretDB no longer reads {ID_COLUMN_AS_RELEASED!r}: review the patch")
    (upstream / ID_COLUMN_FILE).write_text(source.replace(ID_COLUMN_AS_RELEASED, ID_COLUMN_INDEXED))
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
    its ``_id`` lookups made to use the ``_id`` index (:data:`ID_COLUMN_INDEXED`)."""
    sources = [FERRETDB_MODULE / n for n in ("go.mod", "go.sum", "main.go")]
    digest = _digest(sources, ID_COLUMN_INDEXED)
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
