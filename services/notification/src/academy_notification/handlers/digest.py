"""The project manager's digest: counted from what the service remembers of the events, sent on
demand (the staff API) or once a day (the scheduler), as a message like any other (recorded
first, sent by the mail dispatcher, with its NotificationDelivered/Failed).

The daily digest is keyed by its day in the program's time zone, so the scheduler's sweeps of
the rest of the day, and a restart, find it recorded and send nothing more. It covers the 24
hours before its hour, so consecutive digests neither overlap nor leave a gap, even when one
goes out late.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from academy_contracts.values import Language
from academy_notification.adapters.projections import ProjectionStore
from academy_notification.domain.digest import Digest, digest
from academy_notification.domain.messages import Draft, Recipient, Template, message_id
from academy_notification.handlers.recording import Recording
from academy_notification.settings import NotificationSettings

SOURCE_TYPE = "digest"


@dataclass(frozen=True)
class Digests:
    views: ProjectionStore
    recording: Recording
    settings: NotificationSettings

    def recipient(self, language: Language | None = None) -> Recipient:
        """The project manager (the program's contact unless configured otherwise)."""
        settings = self.settings
        email = settings.project_manager_email or settings.program.contact_email
        return Recipient(
            str(email).lower(),
            settings.project_manager_name or settings.program.contact_name,
            language or settings.project_manager_language,
        )

    async def compute(self, since: datetime, until: datetime) -> Digest:
        views = self.views
        return digest(
            since,
            until,
            await views.submitted_between(since, until),
            await views.decided_between(since, until),
            await views.pending_claims(),
        )

    async def send(
        self, since: datetime, until: datetime, language: Language | None = None
    ) -> tuple[str, Digest]:
        """Send the digest of [since, until) now: a new message at each request. Its key."""
        source_id = f"digest-request:{uuid.uuid4().hex}"
        found = await self.compute(since, until)
        await self._record(source_id, found, language)
        return message_id(source_id, self.recipient(language).email, Template.DIGEST), found

    async def daily(self, at: datetime) -> int:
        """Send the day's digest if its hour has come at ``at`` and it is not recorded yet;
        how many messages were recorded (0 or 1)."""
        zone = ZoneInfo(self.settings.time_zone)
        day = at.astimezone(zone).date()
        due = datetime.combine(day, time(self.settings.digest_hour), zone)
        if at < due:
            return 0
        source_id = f"digest:{day.isoformat()}"
        key = message_id(source_id, self.recipient().email, Template.DIGEST)
        if await self.recording.messages.known([key]):
            return 0  # checked first so the sweeps of the rest of the day count nothing again
        since = datetime.combine(day - timedelta(days=1), time(self.settings.digest_hour), zone)
        found = await self.compute(since.astimezone(UTC), due.astimezone(UTC))
        return await self._record(source_id, found, known=set())

    async def _record(
        self,
        source_id: str,
        found: Digest,
        language: Language | None = None,
        *,
        known: set[str] | None = None,
    ) -> int:
        recipient = self.recipient(language)
        draft = Draft(Template.DIGEST, recipient, {"recipient": recipient, "digest": found})
        return await self.recording.record(source_id, SOURCE_TYPE, [draft], known=known)
