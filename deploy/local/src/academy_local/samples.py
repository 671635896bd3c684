"""A sample edition for a local system: open for a week, with two one-day sessions a month
ahead. The test suite and the benchmarks both open editions from it, each varying what it
needs (title, capacity, deadline)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any


def edition_form(edition_id: str, **overrides: Any) -> dict[str, Any]:
    """The body of ``POST /v1/editions`` (registration) for ``edition_id``; ``overrides``
    replace any top-level field."""
    now = datetime.now(UTC)
    form: dict[str, Any] = {
        "edition_id": edition_id,
        "title": {"fr": "Académie des clusters (test)", "en": "Cluster Academy (test)"},
        "registration_deadline": (now + timedelta(days=7)).isoformat(),
        "time_zone": "Europe/Paris",
        "capacity": 10,
        "sessions": [
            {
                "session_id": f"s{n}",
                "title": {"fr": f"Atelier {n}", "en": f"Workshop {n}"},
                "starts_at": (now + timedelta(days=30 + n)).isoformat(),
                "ends_at": (now + timedelta(days=30 + n, hours=6)).isoformat(),
                "place": "Marseille",
            }
            for n in (1, 2)
        ],
    }
    form.update(overrides)
    return form
