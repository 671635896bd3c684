"""Where the local stack keeps its sources, cached builds and server state."""

from __future__ import annotations

import os
from pathlib import Path

DEPLOY_LOCAL = Path(__file__).resolve().parents[2]
REPO_ROOT = DEPLOY_LOCAL.parents[1]
KAFKA_POM = DEPLOY_LOCAL / "kafka" / "pom.xml"
FERRETDB_MODULE = DEPLOY_LOCAL / "ferretdb"


def cache_dir() -> Path:
    """The git-ignored folder holding downloads, builds and server state (``ACADEMY_CACHE_DIR``)."""
    return Path(os.environ.get("ACADEMY_CACHE_DIR", REPO_ROOT / ".cache")).resolve()
