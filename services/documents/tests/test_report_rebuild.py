"""The funder's report on the real servers: the live read model gives the story's known
figures, and a second service with an empty database, replaying the same topics, rebuilds
exactly the same report (JSON and CSV)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from academy_documents.entrypoints.main import create_app
from academy_documents.settings import DocumentsSettings

from .conftest import CONSUMED
from .support.story import EXPECTED, Story
from .test_service import SAMPLES

pytestmark = pytest.mark.integration


async def test_the_report_rebuilt_from_the_topics_equals_the_live_one(
    service_settings: Any,
    run_app: Any,
    start_at_the_end: Any,
    send: Any,
    eventually: Any,
    staff_headers: Any,
    uid: str,
) -> None:
    story = Story(f"ed-{uid}")
    path = f"/v1/editions/{story.edition_id}/report"
    admin = staff_headers("admin")
    live = service_settings(DocumentsSettings)
    # The rebuild's group reads from where the story starts: its own empty database, and
    # every record of the story replayed (earlier tests' records are not this story's).
    rebuilt = service_settings(
        DocumentsSettings, database=f"t_rebuilt_{uid}", consumer_group=f"t-rebuilt-{uid}"
    )
    for settings in (live, rebuilt):
        await start_at_the_end(settings, CONSUMED)
    await send(*story.events())

    async with run_app(create_app(live)) as client:

        async def live_report() -> dict[str, Any] | None:
            answer = await client.get(path, headers=admin)
            if answer.status_code != 200:
                return None
            body: dict[str, Any] = answer.json()
            present = {s["session_id"]: s["present"] for s in body["attendance"]}
            figures = {k: v for k, v in body.items() if k not in ("attendance", "edition_id")}
            return body if {**figures, "present": present} == EXPECTED else None

        # A story of 38 events, and whatever else the shared broker carries meanwhile: generous
        # bounds for a loaded machine (seconds when idle), polled gently (each read scans).
        first = await eventually(live_report, timeout=240, interval=2)
        live_csv = (await client.get(f"{path}.csv", headers=admin)).text

    async with run_app(create_app(rebuilt)) as client:

        async def same_report() -> bool:
            answer = await client.get(path, headers=admin)
            return answer.status_code == 200 and bool(answer.json() == first)

        assert await eventually(same_report, timeout=240, interval=2)
        assert (await client.get(f"{path}.csv", headers=admin)).text == live_csv

    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "report.csv").write_text(live_csv, encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(live_csv.removeprefix("\ufeff"))))
    visa = [r for r in rows if r["measure"] == "claimed" and r["category"] == "visa"]
    assert [(v["country"], v["currency"], v["value"]) for v in visa] == [("MA", "MAD", "1500.00")]
