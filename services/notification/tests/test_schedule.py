"""Messages that time causes, read at a real SMTP server: session reminders to the selected
participants, missed-session warnings to those with no check-in, and the project manager's
digest on demand and once a day. Each test runs the scheduler's sweeps itself (the service's own
loop sweeps only at start), at the real time or at a later one, to show what is sent once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from academy_contracts.events import RejectionReason
from academy_contracts.values import Country, Language, Sector
from academy_kit.clock import now
from academy_notification.domain.rendering import format_instant

from .conftest import SmtpServer, Story, body_of

pytestmark = pytest.mark.integration

PARIS = ZoneInfo("Europe/Paris")
REMINDER_WORDS = {
    Language.FR: ("Atelier 1", "Lieu : Marseille"),
    Language.EN: ("Workshop 1", "Place: Marseille"),
}


def _text(message: Any) -> str:
    return f"{message['Subject']}\n{body_of(message)}"


def _key(message: Any) -> str:
    """The message's unique key, as its header carries it (folded when long)."""
    return str(message["X-Academy-Notification"]).strip()


async def test_a_session_is_reminded_once_to_each_selected_participant_in_their_language(
    start_notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    eventually: Any,
) -> None:
    """The session starting within the hour is reminded, the one next month is not; a cluster
    that declined its place after its selection is not reminded; later sweeps, and a restart,
    send nothing more. The selected cluster's submission is not among the events (the service
    was deployed after it): its selection names the team."""
    coming, later = story.session(1, timedelta(hours=1)), story.session(2, timedelta(days=30))
    declined = Story(f"{story.uid}d")
    declined.edition_id = story.edition_id
    declining = declined.rejected().model_copy(
        update={
            "reason": RejectionReason.OFFER_DECLINED,
            "decided_at": declined.now + timedelta(seconds=1),
        }
    )
    async with start_notification(schedule_poll_seconds=3600) as client:
        app = client.app
        views = app.state.views
        await send(
            story.edition(coming, later),
            story.selected(),
            declined.submitted(),
            declined.selected(),
            declining,
        )

        async def decided() -> bool:
            mine = await views.application(story.application_id)
            theirs = await views.application(declined.application_id)
            return bool(
                await views.get_edition(story.edition_id)
                and mine
                and mine["status"] == "selected"
                and theirs
                and theirs["status"] == "rejected"
            )

        await eventually(decided)
        assert await app.state.scheduler.sweep(now()) == 3

        def reminders() -> list[Any]:
            return [
                m
                for n in range(3)
                for who in (story, declined)
                for m in smtp.inbox.messages(to=who.email(n), x_academy_template="session_reminder")
            ]

        async def reminded() -> bool:
            return len(reminders()) >= 3

        await eventually(reminded)
        assert await app.state.scheduler.sweep(now()) == 0
        assert await app.state.scheduler.sweep(now() + timedelta(minutes=50)) == 0

    async with start_notification(schedule_poll_seconds=3600) as client:
        assert await client.app.state.scheduler.sweep(now()) == 0
        await asyncio.sleep(0.5)  # a message recorded again would be sent by now

    found = reminders()
    assert sorted(str(m["To"]) for m in found) == sorted(
        f"{p.full_name} <{p.email}>" for p in story.participants
    )
    for message in found:
        assert _key(message).startswith(f"reminder:{story.edition_id}:s1:")
        language = Language(str(message["Content-Language"]))
        title, place = REMINDER_WORDS[language]
        text = _text(message)
        assert title in message["Subject"]
        assert format_instant(coming.starts_at, language, "Europe/Paris") in message["Subject"]
        assert format_instant(coming.ends_at, language, "Europe/Paris") in text
        assert place in text
    assert [str(m["Content-Language"]) for m in found].count("en") == 1


async def test_a_participant_with_no_check_in_is_warned_once_after_the_grace_period(
    start_notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    eventually: Any,
) -> None:
    """Session 1 ended four hours ago and only the first participant checked in: the two others
    are warned. Session 2 ended half an hour ago, within the two hours' grace: nobody yet, then
    all three once the grace has passed. Session 3 ended five days ago, past the horizon:
    nobody, ever."""
    ended = story.session(1, -timedelta(hours=10))
    just_ended = story.session(2, -timedelta(hours=6, minutes=30))
    long_ago = story.session(3, -timedelta(days=5))
    async with start_notification(schedule_poll_seconds=3600) as client:
        app = client.app
        views = app.state.views
        await send(
            story.edition(ended, just_ended, long_ago),
            story.submitted(),
            story.selected(),
            story.attended(0, "s1"),
        )
        ids = [p.participant_id for p in story.participants]

        async def known() -> bool:
            doc = await views.application(story.application_id)
            present = await views.attendees(story.edition_id, "s1", ids)
            return bool(doc and doc["status"] == "selected" and present == {ids[0]})

        await eventually(known)
        scheduler = app.state.scheduler
        assert await scheduler.sweep(now()) == 2
        assert await scheduler.sweep(now()) == 0
        assert await scheduler.sweep(now() + timedelta(hours=2)) == 3

        def warnings(n: int) -> list[Any]:
            return smtp.inbox.messages(to=story.email(n), x_academy_template="missed_session")

        async def warned() -> bool:
            return sum(len(warnings(n)) for n in range(3)) >= 5

        await eventually(warned)
        await asyncio.sleep(0.3)  # anything sent twice would arrive now

    def sessions(n: int) -> list[str]:
        return sorted(_key(m).split(":")[2] for m in warnings(n))

    assert [sessions(n) for n in range(3)] == [["s2"], ["s1", "s2"], ["s1", "s2"]]
    for n, language, words in (
        (1, Language.FR, ("« Atelier 1 »", "La présence à toutes les sessions", "obligatoire")),
        (2, Language.EN, ('"Workshop 1"', "Attendance of every Academy session", "compulsory")),
    ):
        [message] = [m for m in warnings(n) if ":s1:" in _key(m)]
        assert message["Content-Language"] == language.value
        text = _text(message)
        greeting = "Bonjour" if language is Language.FR else "Dear"
        assert text.split("\n")[1] == f"{greeting} {story.participants[n].full_name},"
        for word in (*words, format_instant(ended.starts_at, language, "Europe/Paris")):
            assert word in text, (language, word)


async def test_the_digest_counts_what_happened_and_goes_to_the_project_manager_once_a_day(
    start_notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    eventually: Any,
    staff_headers: Any,
) -> None:
    """Four applications in the period (two from Tunisia in health) and one three days before
    it; one decision of each kind in the period; three claims pending (one of them received
    before the period), one approved. The daily digest is recorded once for its day whatever
    the sweeps, and the next day has its own."""
    uid = story.uid
    tunisia, morocco, algeria, earlier = (Story(f"{uid}{n}") for n in range(4))
    morocco.cluster = morocco.cluster.model_copy(
        update={"country": Country.MOROCCO, "sector": Sector.MARITIME_LOGISTICS}
    )
    algeria.cluster = algeria.cluster.model_copy(
        update={"country": Country.ALGERIA, "sector": Sector.ENERGY_ENVIRONMENT}
    )
    earlier.now -= timedelta(days=3)
    ineligible = algeria.rejected().model_copy(update={"reason": RejectionReason.NOT_ELIGIBLE})
    async with start_notification(
        schedule_poll_seconds=3600, digest_daily=True, digest_hour=0
    ) as client:
        app = client.app
        await send(
            *(s.submitted() for s in (story, tunisia, morocco, algeria, earlier)),
            story.selected(),
            tunisia.waitlisted(),
            morocco.rejected(),
            ineligible,
            earlier.selected(),
            story.claimed(0),
            story.claimed(1),
            story.approved(1),
            story.claimed(2),
            story.documents_missing(2),
            earlier.claimed(0),
        )
        admin = staff_headers("admin")
        period = {"since": (story.now - timedelta(hours=1)).isoformat()}

        async def counted() -> dict[str, Any] | None:
            found = (await client.get("/v1/digest", params=period, headers=admin)).json()
            decided = sum(found["decisions"].values())
            statuses = sorted(c["status"] for c in found["pending_claims"])
            settled = statuses == ["claimed", "claimed", "documents_missing"]
            return found if found["new_applications"] == 4 and decided == 4 and settled else None

        found = await eventually(counted)
        assert found["by_country_and_sector"] == [
            {"country": "DZ", "sector": "energy_environment", "count": 1},
            {"country": "MA", "sector": "maritime_logistics", "count": 1},
            {"country": "TN", "sector": "health", "count": 2},
        ]
        assert found["by_country"] == {
            "DZ": 1,
            "EG": 0,
            "JO": 0,
            "LB": 0,
            "MA": 1,
            "PS": 0,
            "TN": 2,
        }
        assert found["by_sector"]["health"] == 2
        assert found["decisions"] == {
            "selected": 1,
            "waitlisted": 1,
            "rejected": 1,
            "not_eligible": 1,
            "withdrawn": 0,
        }
        assert [c["claim_id"] for c in found["pending_claims"]] == [
            f"{earlier.claim_id}-0",
            *sorted([f"{story.claim_id}-0", f"{story.claim_id}-2"]),
        ]

        assert (await client.get("/v1/digest", params=period)).status_code == 401
        finance = staff_headers("finance")
        assert (await client.get("/v1/digest", params=period, headers=finance)).status_code == 403
        backwards = {"since": story.now.isoformat(), "until": period["since"]}
        bad = await client.get("/v1/digest", params=backwards, headers=admin)
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "since"
        naive = {"since": story.now.replace(tzinfo=None).isoformat()}
        assert (await client.get("/v1/digest", params=naive, headers=admin)).status_code == 422

        assert (await client.post("/v1/digest/send", params=period)).status_code == 401
        refused = await client.post("/v1/digest/send", params=period, headers=finance)
        assert refused.status_code == 403
        sent = await client.post("/v1/digest/send", params=period, headers=admin)
        assert sent.status_code == 202, sent.text
        assert sent.json()["recipient"] == f"pm-{uid}@anima.coop"
        assert sent.json()["language"] == "fr"

        scheduler = app.state.scheduler
        await scheduler.sweep(now())
        assert await scheduler.sweep(now()) == 0
        today = now().astimezone(PARIS).date()
        tomorrow = datetime.combine(today + timedelta(days=1), time(0, 30), PARIS)
        assert await scheduler.sweep(tomorrow.astimezone(UTC)) == 1
        assert await scheduler.sweep(tomorrow.astimezone(UTC)) == 0

        def digests() -> dict[str, Any]:
            found = smtp.inbox.messages(to=f"pm-{uid}@anima.coop", x_academy_template="digest")
            return {_key(m).split(":pm-")[0]: m for m in found}

        async def all_sent() -> bool:
            return len(digests()) >= 3

        await eventually(all_sent)
        await asyncio.sleep(0.3)  # anything sent twice would arrive now

    received = smtp.inbox.messages(to=f"pm-{uid}@anima.coop", x_academy_template="digest")
    assert len(received) == 3
    on_demand = digests()[sent.json()["message_id"].split(":pm-")[0]]
    assert on_demand["Content-Language"] == "fr"
    text = _text(on_demand)
    for line in (
        "Bonjour Sarra Boussaïdi,",
        "Nouvelles candidatures : 4\n",
        "- Algérie, énergie et environnement : 1\n",
        "- Maroc, maritime et logistique : 1\n",
        "- Tunisie, santé : 2\n",
        "Par pays : Algérie 1, Égypte 0, Jordanie 0, Liban 0, Maroc 1, Palestine 0, Tunisie 2\n",
        "1 sélectionné(s), 1 en liste d'attente, 1 non retenu(s)",
        "1 non éligible(s) ; 0 retirée(s)",
        "Notes de frais en attente (reçues, ni approuvées ni rejetées) : 3\n",
        f"- {story.claim_id}-2 : pièces manquantes, reçue le ",
        f"- {earlier.claim_id}-0 : à examiner, reçue le ",
    ):
        assert line in text, line
    assert f"{story.claim_id}-1" not in text
    assert set(digests()) >= {f"digest:{today.isoformat()}", f"digest:{tomorrow.date()}"}
    next_day = _text(digests()[f"digest:{tomorrow.date()}"])
    midnight = datetime.combine(today, time(0), PARIS)
    assert f"du {format_instant(midnight, Language.FR, 'Europe/Paris')}" in next_day
    assert "Nouvelles candidatures : 4\n" in next_day
