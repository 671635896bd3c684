"""What the service keeps of other services' events, to address and word its messages: the
applications (who the three participants are, in which language, the cluster's country and
sector), the editions (sessions, deadline, time zone), check-ins, and expense claims.

Every write is idempotent and goes through :func:`academy_kit.mongo.keep_newer` where versions
compete: applications and editions keep the highest revision seen, an application's status is
its latest decision, a claim's status its furthest step; check-ins are keyed by their natural
key. Decisions, check-ins and claim steps are what the scheduled messages read: the teams
selected for an edition (session reminders), who checked in (missed-session warnings), and the
project manager's digest.
"""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.events import ClusterProfile, EditionPublished, ExpenseClaimed, ExpenseLine
from academy_contracts.values import Country, Participant, Sector
from academy_kit.mongo import Document, document_lock, keep_newer
from academy_notification.domain.claims import ClaimFacts
from academy_notification.domain.digest import ClaimStatus, PendingClaim
from academy_notification.domain.drafting import Team

APPLICATIONS = "applications"
EDITIONS = "editions"
CHECK_INS = "check_ins"
CLAIMS = "claims"


def _team_fields(team: Team) -> Document:
    return {
        "cluster": team.cluster.model_dump(mode="json"),
        "participants": [p.model_dump(mode="json") for p in team.participants],
    }


def _team(doc: Document) -> Team | None:
    if "participants" not in doc:
        return None  # only a decision about an application the service never saw
    return Team(
        ClusterProfile.model_validate(doc["cluster"]),
        [Participant.model_validate(p) for p in doc["participants"]],
    )


class ProjectionStore:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._applications = db[APPLICATIONS]
        self._editions = db[EDITIONS]
        self._check_ins = db[CHECK_INS]
        self._claims = db[CLAIMS]

    async def ensure_indexes(self) -> None:
        await self._applications.create_index([("edition_id", ASCENDING), ("status", ASCENDING)])
        await self._applications.create_index("submitted_at")
        await self._applications.create_index("decided_at")
        await self._claims.create_index("status")

    async def application_content(
        self, application_id: str, edition_id: str, team: Team, revision: int
    ) -> None:
        """Keep the application's latest content; an older revision changes nothing."""
        await keep_newer(
            self._applications,
            application_id,
            ("revision", revision),
            {"edition_id": edition_id, **_team_fields(team)},
            on_insert={"status": "submitted"},
        )

    async def application_submitted(self, application_id: str, submitted_at: datetime) -> None:
        async with document_lock(self._applications, application_id):
            await self._applications.update_one(
                {"_id": application_id}, {"$set": {"submitted_at": submitted_at}}
            )

    async def set_status(
        self,
        application_id: str,
        edition_id: str,
        status: str,
        at: datetime,
        team: Team | None = None,
    ) -> None:
        """Record a decision (or a withdrawal) at its own time; an older one changes nothing.
        A selection decision names the team, so an application the service never saw (it was
        deployed after the submission) is created from it: the selected participants still get
        their reminders and warnings."""
        await keep_newer(
            self._applications,
            application_id,
            ("decided_at", at),
            {"status": status, "edition_id": edition_id},
            on_insert={**_team_fields(team), "revision": 0} if team else None,
        )

    async def team(self, application_id: str) -> Team | None:
        doc = await self._applications.find_one({"_id": application_id})
        return None if doc is None else _team(doc)

    async def edition(self, edition: EditionPublished) -> None:
        """Keep the edition's highest revision."""
        doc = edition.model_dump(mode="json", exclude={"edition_id", "revision"})
        await keep_newer(self._editions, edition.edition_id, ("revision", edition.revision), doc)

    async def get_edition(self, edition_id: str) -> EditionPublished | None:
        doc = await self._editions.find_one({"_id": edition_id})
        return None if doc is None else _edition(doc)

    async def editions(self) -> list[EditionPublished]:
        """Every edition: a handful a year, so the scheduler reads them all at each sweep."""
        return [_edition(doc) async for doc in self._editions.find({})]

    async def selected_teams(self, edition_id: str) -> list[tuple[str, Team]]:
        """The applications of the edition whose latest decision is a selection (a cluster that
        declined, lapsed or withdrew since is no longer one), by id."""
        cursor = self._applications.find({"edition_id": edition_id, "status": "selected"})
        found = [(doc["_id"], _team(doc)) async for doc in cursor.sort("_id", ASCENDING)]
        return [(application_id, team) for application_id, team in found if team is not None]

    async def checked_in(self, edition_id: str, session_id: str, participant_id: str) -> None:
        try:
            await self._check_ins.insert_one({"_id": f"{edition_id}:{session_id}:{participant_id}"})
        except DuplicateKeyError:
            return

    async def attendees(
        self, edition_id: str, session_id: str, participant_ids: list[str]
    ) -> set[str]:
        """Those of ``participant_ids`` who checked in at the session."""
        keys = {f"{edition_id}:{session_id}:{p}": p for p in participant_ids}
        cursor = self._check_ins.find({"_id": {"$in": list(keys)}}, {"_id": 1})
        return {keys[doc["_id"]] async for doc in cursor}

    async def claimed(self, event: ExpenseClaimed) -> None:
        """Record who claimed, for which application, when and what (whatever step came
        first)."""
        fields = {
            "application_id": event.application_id,
            "participant_id": event.participant_id,
            "claimed_at": event.claimed_at,
            "lines": [line.model_dump(mode="json") for line in event.lines],
        }
        claim_id = event.claim_id
        async with document_lock(self._claims, claim_id):
            await self._claims.update_one({"_id": claim_id}, {"$set": fields}, upsert=True)

    async def claim(self, claim_id: str) -> ClaimFacts | None:
        doc = await self._claims.find_one({"_id": claim_id})
        if doc is None or "claimed_at" not in doc:
            return None
        lines = [ExpenseLine.model_validate(line) for line in doc.get("lines", [])]
        return ClaimFacts(doc["claimed_at"], lines)

    async def claim_step(self, claim_id: str, status: str, progress: int, at: datetime) -> None:
        """Record a step of a claim; its ``status`` is that of its furthest step."""
        await keep_newer(
            self._claims, claim_id, ("progress", progress), {"status": status, "updated_at": at}
        )

    async def submitted_between(
        self, since: datetime, until: datetime
    ) -> list[tuple[Country, Sector]]:
        """The country and sector of each application submitted in [since, until)."""
        cursor = self._applications.find(
            {"submitted_at": {"$gte": since, "$lt": until}}, {"cluster": 1}
        )
        return [
            (Country(doc["cluster"]["country"]), Sector(doc["cluster"]["sector"]))
            async for doc in cursor
        ]

    async def decided_between(self, since: datetime, until: datetime) -> list[str]:
        """The latest status of each application decided in [since, until)."""
        cursor = self._applications.find(
            {"decided_at": {"$gte": since, "$lt": until}}, {"status": 1}
        )
        return [doc["status"] async for doc in cursor]

    async def pending_claims(self) -> list[PendingClaim]:
        """Claims received and not yet approved, rejected or paid."""
        cursor = self._claims.find(
            {"status": {"$in": [s.value for s in ClaimStatus]}, "claimed_at": {"$exists": True}}
        )
        return [
            PendingClaim(
                claim_id=doc["_id"],
                application_id=doc.get("application_id"),
                participant_id=doc.get("participant_id"),
                status=ClaimStatus(doc["status"]),
                claimed_at=doc["claimed_at"],
            )
            async for doc in cursor
        ]


def _edition(doc: Document) -> EditionPublished:
    return EditionPublished.model_validate({"edition_id": doc["_id"], **doc})
