"""Print the query profiles written by ``sitecustomize`` (see there), one table per process.

uv run python benchmarks/profile/summarise.py DIR [--top N]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--top", type=int, default=12)
    args = parser.parse_args()
    for path in sorted(args.folder.glob("*.json")):
        rows = json.loads(path.read_text())
        if not rows:
            continue
        total = sum(row["seconds"] for row in rows)
        calls = sum(row["calls"] for row in rows)
        print(f"== {path.stem}: {calls} commands, {total:.1f} s waited on the store")
        for row in rows[: args.top]:
            mean = row["seconds"] / row["calls"] * 1000
            print(f"  {row['seconds']:8.2f} s {row['calls']:6d} x {mean:7.1f} ms  {row['shape']}")


if __name__ == "__main__":
    main()
