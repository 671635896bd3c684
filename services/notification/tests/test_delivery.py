"""Messages from real events, the scheduler and the staff API to a real SMTP server: every kind
in both languages with the right recipient, subject and facts; one message per (event,
recipient, template) under redelivery; a mail server that is down and comes back; permanent
failures recorded and published."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest

from academy_contracts.events import EditionSession
from academy_contracts.registry import Topic
from academy_contracts.values import Language
from academy_notification.adapters.messages import MessageFilter
from academy_notification.domain.messages import Status
from academy_notification.domain.rendering import format_instant

from .conftest import SmtpServer, body_of
from .support.story import Story

pytestmark = pytest.mark.integration


PARIS = "Europe/Paris"


def _at(session: EditionSession, language: Language) -> str:
    return format_instant(session.starts_at, language, PARIS)


async def _received(eventually: Any, smtp: SmtpServer, story: Story, count: int) -> None:
    async def enough() -> bool:
        return smtp.inbox.count(story.uid) >= count

    await eventually(enough, timeout=30)


async def test_every_kind_reaches_each_participant_in_their_language(
    notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    eventually: Any,
    staff_headers: Any,
) -> None:
    """Event-caused messages, the scheduler's (a session starting within the hour, one that
    ended three hours ago without a check-in) and the project manager's digest in each
    language."""
    coming, missed = story.session(1, timedelta(hours=1)), story.session(2, -timedelta(hours=9))
    await send(story.edition(coming, missed))

    async def edition_known() -> bool:
        return await notification.app.state.views.get_edition(story.edition_id) is not None

    # the edition and the application are on two topics, consumed concurrently: the receipt
    # quotes the deadline only if the edition is known first
    await eventually(edition_known)
    await send(story.submitted())
    await _received(eventually, smtp, story, 3)
    await send(story.selected())
    await _received(eventually, smtp, story, 3 + 3 * 3)  # selected, reminder, missed session
    await send(
        story.updated(),
        story.not_eligible(),
        story.waitlisted(),
        story.rejected(),
        story.withdrawn(),
        *(step(n) for n in (0, 2) for step in (story.claimed, story.documents_missing)),
        *(step(n) for n in (0, 2) for step in (story.approved, story.paid)),
    )
    await _received(eventually, smtp, story, 3 * 9 + 2 * 4)
    for language in ("fr", "en"):
        sent = await notification.post(
            "/v1/digest/send",
            params={"since": (story.now - timedelta(hours=1)).isoformat(), "language": language},
            headers=staff_headers("admin"),
        )
        assert sent.status_code == 202, sent.text
    await _received(eventually, smtp, story, 3 * 9 + 2 * 4 + 2)

    fr, en = story.email(0), story.email(2)
    deadline = story.edition().registration_deadline  # the edition's, not a fixed date
    expected = {
        "application_received": (
            ("candidature de Pôle Santé Sfax", format_instant(deadline, Language.FR, PARIS)),
            ("application of Pôle Santé Sfax", format_instant(deadline, Language.EN, PARIS)),
        ),
        "application_updated": (("modifiée", "version 2"), ("updated", "version 2")),
        "not_eligible": (("n'est pas éligible", "plateforme ECCP"), ("not eligible", "ECCP")),
        "selected": (
            ("est sélectionné", "Atelier 1", "obligatoire", "90 %", "confirmer votre place"),
            ("is selected", "Workshop 2", "compulsory", "90%", "cluster manager confirms the"),
        ),
        "waitlisted": (("liste d'attente", "position 2"), ("waitlist", "position 2")),
        "not_selected": (("n'est pas retenu", "pas été retenu"), ("not selected", "not retained")),
        "application_withdrawn": (("retirée", "Calendar conflict"), ("withdrawn", "Calendar")),
        "session_reminder": (
            ("rappel", "Atelier 1", "Lieu : Marseille", _at(coming, Language.FR), "obligatoire"),
            ("reminder", "Workshop 1", "Place: Marseille", _at(coming, Language.EN), "compulsory"),
        ),
        "missed_session": (
            ("absence", "« Atelier 2 »", _at(missed, Language.FR), "obligatoire"),
            ("absence", '"Workshop 2"', _at(missed, Language.EN), "compulsory"),
        ),
        "claim_received": (("note de frais", "800,00 EUR"), ("expense claim", "800.00 EUR")),
        "documents_missing": (("pièces manquantes", "Hotel invoice"), ("missing", "Hotel invoice")),
        "reimbursement_approved": (("720,00 EUR", "90 %"), ("720.00 EUR", "90%")),
        "reimbursement_paid": (("versé", "PAY-"), ("paid", "PAY-")),
    }
    for template, (in_fr, in_en) in expected.items():
        for email, words, language in ((fr, in_fr, "fr"), (en, in_en, "en")):
            found = smtp.inbox.messages(to=email, x_academy_template=template)
            assert len(found) == 1, (template, email)
            message = found[0]
            assert message["Content-Language"] == language
            text = message["Subject"] + "\n" + body_of(message)
            for word in words:
                assert word in text, (template, language, word)
            assert "Sarra Boussaïdi" in text
    assert len(smtp.inbox.messages(to=story.email(1))) == 9  # the team's messages only
    assert not [m["Subject"] for m in smtp.inbox.about(story.uid) if story.claim_id in m["Subject"]]
    pages = f"https://academy.example/v1/applications/{story.application_id}"
    to_manager = smtp.inbox.messages(to=fr, x_academy_template="application_received")[0]
    assert re.search(rf"{re.escape(pages)}\?token=[^\s&]+&lang=fr\s", body_of(to_manager))
    to_board = smtp.inbox.messages(to=en, x_academy_template="application_received")[0]
    board_id = story.participants[2].participant_id
    own = re.escape(f"{pages}/participants/{board_id}")
    assert re.search(rf"{own}\?token=[^\s&]+&lang=en\s", body_of(to_board))

    digests = smtp.inbox.messages(to=f"pm-{story.uid}@anima.coop", x_academy_template="digest")
    by_language = {str(m["Content-Language"]): m["Subject"] + "\n" + body_of(m) for m in digests}
    assert len(digests) == 2
    assert "Bonjour Sarra Boussaïdi" in by_language["fr"]
    assert "synthèse" in by_language["fr"]
    assert "Nouvelles candidatures : 1\n- Tunisie, santé : 1\n" in by_language["fr"]
    assert "Dear Sarra Boussaïdi" in by_language["en"]
    assert "digest" in by_language["en"]
    assert "New applications: 1\n- Tunisia, health: 1\n" in by_language["en"]


async def test_a_redelivered_event_is_one_message_per_recipient(
    notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    eventually: Any,
    topic_records: Any,
    servers: Any,
) -> None:
    [envelope] = await send(story.submitted())
    await send(envelope, envelope)
    await _received(eventually, smtp, story, 3)
    delivered = await topic_records(
        servers.kafka_bootstrap,
        Topic.NOTIFICATIONS.value,
        lambda r: json.loads(r.value).get("source_event_id") == envelope.id,
        expect=3,
    )
    assert smtp.inbox.count(story.uid) == 3
    assert sorted(str(m["To"]).split("<")[1][:-1] for m in smtp.inbox.about(story.uid)) == sorted(
        story.email(n) for n in range(3)
    )
    assert len(delivered) == 3
    assert {dict(r.headers)["ce_type"] for r in delivered} == {
        b"org.euromed.academy.notification.delivered.v1"
    }
    mine = MessageFilter(status=Status.SENT, application_id=story.application_id)
    sent = await notification.app.state.messages.find(mine)
    assert [(m["status"], m["attempts"]) for m in sent] == [("sent", 1)] * 3


async def test_a_mail_server_down_then_back_receives_every_message(
    notification: Any, send: Any, smtp: SmtpServer, story: Story, eventually: Any
) -> None:
    smtp.stop()
    await send(story.submitted())
    messages = notification.app.state.messages

    async def retried() -> bool:
        pending = await messages.find(
            MessageFilter(status=Status.PENDING, application_id=story.application_id)
        )
        return len(pending) == 3 and all(m["attempts"] >= 2 for m in pending)

    await eventually(retried)
    assert smtp.inbox.count(story.uid) == 0
    smtp.start()
    await _received(eventually, smtp, story, 3)

    async def all_sent() -> list[Any] | None:
        # the server has a message before the service records its acceptance
        sent = await messages.find(
            MessageFilter(status=Status.SENT, application_id=story.application_id)
        )
        return sent if len(sent) == 3 else None

    sent = await eventually(all_sent)
    assert all(m["attempts"] >= 3 for m in sent)
    for message in sent:
        # the record tells the history, and its current status is not contradicted
        assert message["last_error"] is None
        log = message["log"]
        assert [a["outcome"] for a in log] == ["retry"] * (message["attempts"] - 1) + ["delivered"]
        assert all(a["error"] for a in log[:-1])
        assert log[-1]["error"] is None
        assert [a["at"] for a in log] == sorted(a["at"] for a in log)


async def test_permanent_failures_are_recorded_and_published(
    start_notification: Any,
    send: Any,
    smtp: SmtpServer,
    story: Story,
    eventually: Any,
    topic_records: Any,
    servers: Any,
) -> None:
    """A refused mailbox fails at its first attempt; an unreachable server after the last."""
    bounced = story.participants[0].model_copy(update={"email": f"bounce-{story.uid}@x.tn"})
    story.participants[0] = bounced
    async with start_notification(send_max_attempts=2) as client:
        app = client.app
        await send(story.submitted())
        messages = app.state.messages

        async def settled() -> list[Any] | None:
            found = await messages.find(MessageFilter(application_id=story.application_id))
            done = [m for m in found if m["status"] != "pending"]
            return found if len(done) == 3 else None

        found = {m["recipient"]: m for m in await eventually(settled)}
        assert found[bounced.email]["status"] == "failed"
        assert found[bounced.email]["attempts"] == 1
        assert "550" in found[bounced.email]["last_error"]
        assert [found[story.email(n)]["status"] for n in (1, 2)] == ["sent", "sent"]

        smtp.stop()
        await send(story.updated())

        async def all_failed() -> list[Any] | None:
            where = MessageFilter(
                template="application_updated",
                status=Status.FAILED,
                application_id=story.application_id,
            )
            failed = await messages.find(where)
            return failed if len(failed) == 3 else None

        failed = await eventually(all_failed)
        assert all(m["attempts"] == 2 for m in failed)
        records = await topic_records(
            servers.kafka_bootstrap,
            Topic.NOTIFICATIONS.value,
            lambda r: (
                json.loads(r.value).get("application_id") == story.application_id
                and dict(r.headers)["ce_type"].endswith(b"failed.v1")
            ),
            expect=4,
        )
        assert len(records) == 4
