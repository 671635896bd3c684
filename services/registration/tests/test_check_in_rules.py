"""Fast tier: who the check-in desk may record present, the admissions learned from selection's
events (through the subscription table, on FastStream's in-memory Kafka broker), and the desk's
routes on in-memory stores."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker
from pydantic import SecretStr

from academy_contracts import links
from academy_contracts.envelope import Envelope
from academy_contracts.events import (
    AttendanceUndone,
    ClusterWaitlisted,
    IntegrationEvent,
    SessionAttended,
)
from academy_kit import clock, consumer, subscriptions
from academy_registration.domain.attendance import admission, check_in
from academy_registration.domain.failures import CheckInClosed, NotSelected, UnknownSession
from academy_registration.handlers.subscriptions import subscriptions as table
from academy_registration.settings import RegistrationSettings
from services.registration.tests.support.memory import Registration
from services.registration.tests.support.selection import NOW, edition, rejected, selected

EDITION = edition("ed", NOW - timedelta(minutes=30), NOW + timedelta(days=1))
"""s1 started half an hour ago (the desk is checking in), s2 starts tomorrow."""
HOUR = timedelta(hours=1)


def test_a_selected_clusters_participants_are_admitted_and_no_one_else() -> None:
    admitted = admission(selected("a1", "ed", NOW))
    assert admitted.selected
    assert admitted.admits("a1-p2")
    assert not admitted.admits("a2-p0")
    revoked = admission(rejected("a1", "ed", NOW + timedelta(hours=1)))
    assert not revoked.selected
    assert not revoked.admits("a1-p2")
    assert revoked.decided_at == NOW + timedelta(hours=1)


def test_a_check_in_records_the_participants_attendance_of_the_session() -> None:
    admitted = admission(selected("a1", "ed", NOW))
    attended = check_in(EDITION, "s1", "a1-p1", admitted, now=NOW, opens_before=HOUR)
    assert attended == SessionAttended(
        application_id="a1",
        edition_id="ed",
        session_id="s1",
        participant_id="a1-p1",
        attended_at=NOW,
    )


@pytest.mark.parametrize(
    ("participant", "decision"),
    [
        ("a1-p0", None),
        ("a1-p0", rejected("a1", "ed", NOW)),
        ("a2-p0", selected("a1", "ed", NOW)),
    ],
    ids=["no-decision", "rejected", "another-cluster"],
)
def test_only_a_participant_of_a_selected_cluster_is_checked_in(
    participant: str, decision: Any
) -> None:
    decided = None if decision is None else admission(decision)
    with pytest.raises(NotSelected) as refused:
        check_in(EDITION, "s1", participant, decided, now=NOW, opens_before=HOUR)
    assert (refused.value.edition_id, refused.value.participant_id) == ("ed", participant)


def test_a_check_in_at_an_unknown_session_names_the_editions_sessions() -> None:
    admitted = admission(selected("a1", "ed", NOW))
    with pytest.raises(UnknownSession) as refused:
        check_in(EDITION, "s9", "a1-p0", admitted, now=NOW, opens_before=HOUR)
    assert refused.value.known == ["s1", "s2"]


@pytest.mark.parametrize(
    ("before_start", "opens_before", "open"),
    [
        (timedelta(hours=20), HOUR, False),  # the defect: accepted the day before
        (HOUR + timedelta(milliseconds=1), HOUR, False),
        (HOUR, HOUR, True),
        (timedelta(0), HOUR, True),
        (-timedelta(hours=6), HOUR, True),  # the session's last instant
        (-timedelta(hours=6, milliseconds=1), HOUR, False),
        (-timedelta(days=1), HOUR, False),
        (timedelta(hours=20), timedelta(days=1), True),
        (timedelta(minutes=1), timedelta(0), False),
    ],
)
def test_the_desk_checks_in_from_the_set_time_before_a_session_until_its_end(
    before_start: timedelta, opens_before: timedelta, open: bool
) -> None:
    session = EDITION.sessions[1]
    admitted = admission(selected("a1", "ed", NOW))
    now = session.starts_at - before_start
    if open:
        check_in(EDITION, "s2", "a1-p0", admitted, now=now, opens_before=opens_before)
        return
    with pytest.raises(CheckInClosed) as refused:
        check_in(EDITION, "s2", "a1-p0", admitted, now=now, opens_before=opens_before)
    assert refused.value.session == session
    assert refused.value.opens_at == session.starts_at - opens_before


async def test_the_latest_decision_wins_whatever_the_order_they_arrive_in() -> None:
    registration = Registration()
    registration.edition_store.editions["ed"] = EDITION
    admissions = registration.admissions
    await admissions.admit(Envelope(data=selected("a1", "ed", NOW), source="/tests"))
    await admissions.revoke(
        Envelope(data=rejected("a1", "ed", NOW - timedelta(days=1)), source="/t")
    )
    assert [a.application_id for a in await registration.check_ins.expected("ed")] == ["a1"]
    await admissions.revoke(
        Envelope(data=rejected("a1", "ed", NOW + timedelta(days=1)), source="/t")
    )
    assert await registration.check_ins.expected("ed") == []
    await admissions.admit(Envelope(data=selected("a1", "ed", NOW), source="/tests"))  # late
    assert await registration.check_ins.expected("ed") == []


async def test_the_subscription_table_admits_on_selection_and_revokes_on_rejection() -> None:
    registration = Registration()
    registration.edition_store.editions["ed"] = EDITION
    broker = consumer.broker_for(RegistrationSettings())
    subscriptions.subscribe(broker, RegistrationSettings(), table(registration.admissions))
    sent: list[IntegrationEvent] = [
        selected("a1", "ed", NOW),
        selected("a2", "ed", NOW),
        ClusterWaitlisted.model_validate(
            {**selected("a3", "ed", NOW).model_dump(), "decided_at": NOW, "waitlist_rank": 1}
        ),
        rejected("a2", "ed", NOW + timedelta(minutes=1)),
    ]
    async with TestKafkaBroker(broker) as test_broker:
        for event in sent:
            record = Envelope(data=event, source="/services/selection").to_kafka()
            await test_broker.publish(
                record.value, record.topic, key=record.key, headers=record.headers
            )
    assert [a.application_id for a in await registration.check_ins.expected("ed")] == ["a1"]


async def test_the_desk_checks_a_participant_in_once_per_session(
    staff_headers: Any, problem: Any
) -> None:
    registration = Registration()
    started = clock.now() - timedelta(minutes=30)  # the handlers read the real clock
    live = edition("ed", started, started + timedelta(days=1))
    registration.edition_store.editions["ed"] = live
    await registration.admissions.admit(Envelope(data=selected("a1", "ed", NOW), source="/t"))
    desk = staff_headers("checkin")
    async with registration.client() as api:
        url = "/v1/editions/ed/sessions/s1/check-ins"
        first = await api.post(url, json={"participant_id": "a1-p1"}, headers=desk)
        again = await api.post(url, json={"participant_id": "a1-p1"}, headers=desk)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        body = problem(await api.post(url, json={"participant_id": "a2-p1"}, headers=desk), 422)
        assert (body["type"].split(":")[-1], body["field"]) == ("not-selected", "participant_id")
        unknown = "/v1/editions/ed/sessions/s9/check-ins"
        body = problem(await api.post(unknown, json={"participant_id": "a1-p1"}, headers=desk), 404)
        assert body["allowed"] == ["s1", "s2"]
        tomorrow = "/v1/editions/ed/sessions/s2/check-ins"
        body = problem(
            await api.post(tomorrow, json={"participant_id": "a1-p1"}, headers=desk), 422
        )
        assert (body["type"].split(":")[-1], body["field"]) == ("check-in-closed", "session_id")
        s2 = live.sessions[1]
        assert body["opens_at"] == (s2.starts_at - HOUR).isoformat()
        assert body["closes_at"] == s2.ends_at.isoformat()
        assert body["time_zone"] == "Europe/Paris"
        listed = await api.get(url, headers=desk)
        assert [c["participant_id"] for c in listed.json()] == ["a1-p1"]
        expected = (await api.get("/v1/editions/ed/participants", headers=desk)).json()
        assert [c["application_id"] for c in expected] == ["a1"]
        problem(await api.get("/v1/editions/nope/participants", headers=desk), 404)
    [attended] = registration.outbox.of_type(SessionAttended)
    assert (attended.application_id, attended.session_id) == ("a1", "s1")


async def test_an_undone_check_in_is_struck_out_once_and_the_participant_checks_in_anew(
    staff_headers: Any, problem: Any
) -> None:
    registration = Registration()
    started = clock.now() - timedelta(minutes=30)
    registration.edition_store.editions["ed"] = edition("ed", started)
    await registration.admissions.admit(Envelope(data=selected("a1", "ed", NOW), source="/t"))
    desk = staff_headers("checkin")
    url = "/v1/editions/ed/sessions/s1/check-ins"
    async with registration.client() as api:
        problem(await api.delete(f"{url}/a1-p1", headers=desk), 404)
        await api.post(url, json={"participant_id": "a1-p1"}, headers=desk)
        first, again = [await api.delete(f"{url}/a1-p1", headers=desk) for _ in range(2)]
        assert (first.status_code, again.status_code) == (200, 200)
        assert first.json() == again.json()
        assert first.json()["undone_at"] is not None
        assert (await api.get(url, headers=desk)).json() == []
        anew = await api.post(url, json={"participant_id": "a1-p1"}, headers=desk)
        assert anew.status_code == 201
        assert anew.json()["undone_at"] is None
        assert [c["participant_id"] for c in (await api.get(url, headers=desk)).json()] == ["a1-p1"]
        problem(await api.delete("/v1/editions/ed/sessions/s9/check-ins/a1-p1", headers=desk), 404)
    kinds = [type(e) for e in registration.outbox.events]
    assert kinds == [SessionAttended, AttendanceUndone, SessionAttended]
    [undone] = registration.outbox.of_type(AttendanceUndone)
    assert (undone.application_id, undone.edition_id, undone.session_id) == ("a1", "ed", "s1")


async def test_the_desk_checks_in_by_pass_and_refuses_another_editions_an_expired_or_a_forged_one(
    staff_headers: Any, problem: Any
) -> None:
    registration = Registration()
    started = clock.now() - timedelta(minutes=30)
    for edition_id in ("ed", "other"):
        registration.edition_store.editions[edition_id] = edition(edition_id, started)
    await registration.admissions.admit(Envelope(data=selected("a1", "ed", NOW), source="/t"))
    await registration.admissions.admit(Envelope(data=selected("b1", "other", NOW), source="/t"))
    secret = registration.settings.link_secret

    def issued(application_id: str, person: str, scope: links.Scope, **when: Any) -> str:
        return links.issue(secret, application_id, person, scope, now=clock.now(), **when)

    desk = staff_headers("checkin")
    url = "/v1/editions/ed/sessions/s1/check-ins"
    async with registration.client() as api:

        async def refusal(token: str, status: int) -> str:
            answer = await api.post(url, json={"check_in_pass": token}, headers=desk)
            return str(problem(answer, status)["type"]).rsplit(":", 1)[-1]

        ok = await api.post(
            url, json={"check_in_pass": issued("a1", "a1-p2", links.Scope.CHECK_IN)}, headers=desk
        )
        assert (ok.status_code, ok.json()["participant_id"]) == (201, "a1-p2")
        assert await refusal(issued("b1", "b1-p0", links.Scope.CHECK_IN), 422) == (
            "pass-other-edition"
        )
        expired = issued("a1", "a1-p0", links.Scope.CHECK_IN, lifetime=timedelta(seconds=-1))
        assert await refusal(expired, 401) == "link-expired"
        forged = links.issue(
            SecretStr("not-the-secret-of-the-service-at-all"),
            "a1",
            "a1-p0",
            links.Scope.CHECK_IN,
            now=clock.now(),
        )
        assert await refusal(forged, 401) == "link-invalid"
        # A personal link is no pass, and a pass is no link.
        assert await refusal(issued("a1", "a1-p0", links.Scope.PARTICIPANT), 401) == "link-invalid"
        a_pass = issued("a1", "a1-p0", links.Scope.CHECK_IN)
        own = await api.get(
            "/v1/applications/a1/participants/a1-p0", headers={links.TOKEN_HEADER: a_pass}
        )
        assert problem(own, 401)["type"].endswith("link-invalid")
        both = {"participant_id": "a1-p0", "check_in_pass": a_pass}
        problem(await api.post(url, json=both, headers=desk), 422)
        problem(await api.post(url, json={}, headers=desk), 422)
    assert [e.participant_id for e in registration.outbox.of_type(SessionAttended)] == ["a1-p2"]
