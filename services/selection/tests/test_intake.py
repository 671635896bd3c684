"""Registration's events on the real broker, into selection's own store: screening with its
reasons, applications waiting for their edition, and idempotent intake."""

from __future__ import annotations

from typing import Any

import pytest

from academy_contracts.registry import Topic
from academy_contracts.values import Country, Sector
from academy_selection.domain.applications import ApplicationStatus

pytestmark = pytest.mark.integration


async def test_applications_wait_for_their_edition_then_are_screened_with_reasons(
    selection: Any, events: Any, send: Any, received: Any, eventually: Any
) -> None:
    store = selection.app.state.screener.applications
    fine = events.submitted()
    no_costs = events.submitted(can_advance_costs=False, commits_to_attend=False)
    late = events.submitted(late=True)
    await send(fine, no_costs, late)
    for application in (fine, no_costs, late):
        stored = await eventually(lambda a=application: store.get(a.application_id))
        assert stored.screening is None  # the edition is not known yet

    await send(events.edition())
    on_time_after_edition = events.submitted(
        country=Country.EGYPT, sector=Sector.MARITIME_LOGISTICS
    )
    await send(on_time_after_edition)

    keys = {a.application_id for a in (fine, no_costs, late, on_time_after_edition)}
    screened = await received(Topic.APPLICATIONS, keys, expect=4, types={"ApplicationScreened"})
    reasons = {body["application_id"]: body["reasons"] for _, body in screened}
    assert reasons == {
        fine.application_id: [],
        no_costs.application_id: ["cannot_advance_costs", "no_attendance_commitment"],
        late.application_id: ["submitted_after_deadline"],
        on_time_after_edition.application_id: [],
    }
    assert all(body["eligible"] == (not body["reasons"]) for _, body in screened)
    assert all(body["revision"] == 1 for _, body in screened)
    stored = await store.get(no_costs.application_id)
    assert stored.screening.reasons == ["cannot_advance_costs", "no_attendance_commitment"]
    assert not stored.eligible


async def test_redelivery_and_a_late_older_update_change_nothing(
    selection: Any, events: Any, send: Any, received: Any, eventually: Any
) -> None:
    store = selection.app.state.screener.applications
    submitted = events.submitted()
    newest = events.updated(submitted, 3, motivations="The newest motivations.")
    older = events.updated(submitted, 2, motivations="Older motivations, arriving late.")
    await send(events.edition())
    editions = selection.app.state.screener.editions
    await eventually(lambda: editions.find(events.edition_id))
    [first] = await send(submitted)
    await send(first, newest, older, events.withdrawn(submitted.application_id, 4))

    stored = await eventually(
        lambda: _with_status(store, submitted.application_id, ApplicationStatus.WITHDRAWN)
    )
    assert stored.revision == 4
    assert stored.motivations == "The newest motivations."
    assert stored.submitted_at == submitted.submitted_at
    assert len(await store.of_edition(events.edition_id)) == 1

    screened = await received(
        Topic.APPLICATIONS, {submitted.application_id}, expect=2, types={"ApplicationScreened"}
    )
    assert [body["revision"] for _, body in screened] == [1, 3]


async def _with_status(store: Any, application_id: str, status: ApplicationStatus) -> Any:
    application = await store.get(application_id)
    return application if application and application.status is status else None
