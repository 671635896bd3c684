"""Counts every MongoDB command a Python process sends, by kind and shape, with its time.

Put this folder on ``PYTHONPATH`` and set ``ACADEMY_QUERY_PROFILE_DIR`` when running a benchmark
(the services inherit both): each process registers a PyMongo command listener for every client
it creates and writes ``<program>-<pid>.json`` to that folder every few seconds — per shape (the
command, its collection, and its filter, sort and update with the values left out) the number
of calls and their seconds, slowest total first. That says which queries the store spends its
time on, per service, without changing the services. ``summarise`` prints the files as a table.
"""

from __future__ import annotations

import atexit
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

_DIR = os.environ.get("ACADEMY_QUERY_PROFILE_DIR")


def _shape(value: Any) -> Any:
    """The structure of a filter or update: operators and field names, not values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0]), f"x{len(value)}"] if value else []
    return type(value).__name__


def _describe(name: str, command: Any) -> str:
    collection = command.get(name)
    parts: list[str] = [name, str(collection)]
    if name == "find":
        parts += [f"filter={_shape(command.get('filter', {}))}"]
        if command.get("sort"):
            parts.append(f"sort={list(command['sort'])}")
        if command.get("limit"):
            parts.append("limit")
    elif name in ("update", "delete"):
        for statement in command.get("updates", command.get("deletes", []))[:1]:
            parts.append(f"q={_shape(statement.get('q'))}")
            if "u" in statement:
                parts.append(f"u={list(_shape(statement['u']))}")
    elif name in ("count", "distinct", "findAndModify"):
        parts.append(f"query={_shape(command.get('query', {}))}")
    elif name == "aggregate":
        parts.append(f"pipeline={_shape(command.get('pipeline', []))}")
    return " ".join(parts)


if _DIR:
    from pymongo import monitoring

    _lock = threading.Lock()
    _started: dict[int, tuple[str, float]] = {}
    _totals: dict[str, list[float]] = {}
    _file = Path(_DIR) / f"{Path(sys.argv[0]).name}-{os.getpid()}.json"

    def _dump() -> None:
        with _lock:
            rows = sorted(_totals.items(), key=lambda kv: -kv[1][1])
        data = [{"shape": s, "calls": int(c), "seconds": round(t, 3)} for s, (c, t) in rows]
        _file.write_text(json.dumps(data, indent=1))

    def _loop() -> None:
        while True:
            time.sleep(3)
            _dump()

    class _Listener(monitoring.CommandListener):
        def started(self, event: monitoring.CommandStartedEvent) -> None:
            shape = _describe(event.command_name, event.command)
            with _lock:
                _started[event.request_id] = (shape, time.perf_counter())

        def _end(self, event: Any) -> None:
            with _lock:
                begun = _started.pop(event.request_id, None)
                if begun is not None:
                    total = _totals.setdefault(begun[0], [0, 0.0])
                    total[0] += 1
                    total[1] += time.perf_counter() - begun[1]

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
            self._end(event)

        def failed(self, event: monitoring.CommandFailedEvent) -> None:
            self._end(event)

    Path(_DIR).mkdir(parents=True, exist_ok=True)
    monitoring.register(_Listener())
    threading.Thread(target=_loop, daemon=True).start()
    atexit.register(_dump)
