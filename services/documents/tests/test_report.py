"""The funder's report from a story with known counts, on in-memory stores: the figures are
the ones worked out by hand, and delivering every event again changes none of them."""

from __future__ import annotations

from typing import Any

from academy_documents.domain.report import FunderReport

from .support.service import in_memory
from .support.story import EXPECTED, Story


def _figures(report: FunderReport) -> dict[str, Any]:
    """The report as its JSON says it, with attendance as session → present."""
    body = report.model_dump(mode="json")
    body["present"] = {s["session_id"]: s["present"] for s in body.pop("attendance")}
    del body["edition_id"]
    return body


async def test_the_report_gives_the_story_s_figures_and_a_redelivery_changes_nothing() -> None:
    memory, story = in_memory(), Story("ed-report")
    await memory.deliver(*story.events())
    first = await memory.reports.report(story.edition_id)
    assert _figures(first) == EXPECTED
    await memory.deliver(*story.events())
    assert await memory.reports.report(story.edition_id) == first
