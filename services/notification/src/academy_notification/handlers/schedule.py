"""Messages that time causes rather than an event: session reminders, missed-session warnings
and the project manager's daily digest.

A periodic sweep looks at every edition's sessions against the clock and drafts what is due:
the reminder from ``reminder_lead_hours`` before a session until it starts, to every
participant of the clusters selected for the edition; the warning once a session has ended and
the grace period passed (up to a horizon), to those of them with no check-in. Each message's key
names the session (``reminder:<edition>:<session>``), so the sweeps that draft it again, before
or after a restart, record nothing new: each participant gets each message once.

Who is selected and who checked in is read at the sweep, so a cluster that declined or lapsed
since its selection is not reminded, and a check-in recorded during the grace period counts.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from academy_contracts.events import EditionPublished, EditionSession
from academy_contracts.values import Participant
from academy_kit.clock import now
from academy_kit.mongo import Document
from academy_notification.domain.messages import Draft, Recipient, Template
from academy_notification.handlers.digest import Digests
from academy_notification.handlers.notify import Notifier
from academy_notification.settings import NotificationSettings

log = logging.getLogger(__name__)

SOURCE_TYPE = "schedule.session"

Selected = tuple[Document, Participant]
"""A participant of a cluster selected for an edition, with the cluster's application."""


@dataclass(frozen=True)
class Scheduler:
    notifier: Notifier
    digests: Digests
    settings: NotificationSettings

    async def run(self) -> None:
        """Sweep every ``schedule_poll_seconds`` until cancelled; a failed sweep (the database
        away) is retried at the next. The first sweep waits one interval too, so it reads what
        the consumer has caught up on rather than a half-read backlog (a sweep before a late
        check-in is consumed would warn someone who was there)."""
        while True:
            await asyncio.sleep(self.settings.schedule_poll_seconds)
            try:
                await self.sweep(now())
            except Exception:
                log.exception("scheduled messages: sweep failed; retrying at the next one")

    async def sweep(self, at: datetime) -> int:
        """Record every scheduled message due at ``at``; how many were new."""
        settings = self.settings
        lead = timedelta(hours=settings.reminder_lead_hours)
        grace = timedelta(hours=settings.missed_session_grace_hours)
        horizon = timedelta(hours=settings.missed_session_horizon_hours)
        new = 0
        for edition in await self.notifier.views.editions():
            selected: list[Selected] | None = None  # read once per edition, if a session needs it
            for session in edition.sessions:
                warn_from = session.ends_at + grace
                remind = session.starts_at - lead <= at < session.starts_at
                warn = (
                    settings.program.compulsory_attendance and warn_from <= at < warn_from + horizon
                )
                if not (remind or warn):
                    continue
                if selected is None:
                    selected = await self._selected(edition)
                if remind:
                    new += await self._remind(edition, session, selected)
                if warn:
                    new += await self._warn_absentees(edition, session, selected)
        if settings.digest_daily:
            new += await self.digests.daily(at)
        return new

    async def _remind(
        self, edition: EditionPublished, session: EditionSession, selected: list[Selected]
    ) -> int:
        drafts = [
            self._draft(Template.SESSION_REMINDER, edition, session, doc, participant)
            for doc, participant in selected
        ]
        source_id = f"reminder:{edition.edition_id}:{session.session_id}"
        return await self.notifier.record(source_id, SOURCE_TYPE, drafts)

    async def _warn_absentees(
        self, edition: EditionPublished, session: EditionSession, selected: list[Selected]
    ) -> int:
        present = await self.notifier.views.attendees(
            edition.edition_id, session.session_id, [p.participant_id for _, p in selected]
        )
        drafts = [
            self._draft(Template.MISSED_SESSION, edition, session, doc, participant)
            for doc, participant in selected
            if participant.participant_id not in present
        ]
        source_id = f"missed:{edition.edition_id}:{session.session_id}"
        return await self.notifier.record(source_id, SOURCE_TYPE, drafts)

    async def _selected(self, edition: EditionPublished) -> list[Selected]:
        """Each participant of the clusters selected for the edition, with their application."""
        return [
            (doc, Participant.model_validate(raw))
            for doc in await self.notifier.views.selected_teams(edition.edition_id)
            for raw in doc["participants"]
        ]

    @staticmethod
    def _draft(
        template: Template,
        edition: EditionPublished,
        session: EditionSession,
        doc: Document,
        participant: Participant,
    ) -> Draft:
        recipient = Recipient.of(participant)
        context = {"recipient": recipient, "session": session, "time_zone": edition.time_zone}
        return Draft(template, recipient, context, doc["_id"])
