"""Registration's events built as registration sends them, for one edition of a test."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from academy_contracts.events import (
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterProfile,
    EditionPublished,
    LocalizedText,
)
from academy_contracts.values import Country, Language, Participant, ParticipantRole, Sector


@dataclass(frozen=True)
class Events:
    """Registration's events for one edition of a test; every cluster gets its own ids."""

    edition_id: str
    deadline: datetime

    def edition(self, *, capacity: int = 2, revision: int = 1) -> EditionPublished:
        return EditionPublished(
            edition_id=self.edition_id,
            revision=revision,
            title=LocalizedText(fr="Académie (test)", en="Academy (test)"),
            registration_deadline=self.deadline,
            time_zone="Europe/Paris",
            capacity=capacity,
            languages=[Language.FR, Language.EN],
            published_at=self.deadline - timedelta(days=60),
        )

    def submitted(
        self,
        *,
        country: Country = Country.TUNISIA,
        sector: Sector = Sector.HEALTH,
        late: bool = False,
        **content: Any,
    ) -> ApplicationSubmitted:
        application_id = f"app-{uuid.uuid4().hex[:12]}"
        fields: dict[str, Any] = {
            "application_id": application_id,
            "edition_id": self.edition_id,
            "cluster": ClusterProfile(
                name=f"Cluster {application_id[-4:]}",
                country=country,
                sector=sector,
                eccp_id=f"eccp-{application_id}",
            ),
            "participants": [
                Participant(
                    participant_id=f"{application_id}-{n}",
                    role=role,
                    full_name=f"Person {n}",
                    email=f"p{n}@{application_id}.example.org",
                    language=Language.FR,
                )
                for n, role in enumerate(
                    (
                        ParticipantRole.CLUSTER_MANAGER,
                        ParticipantRole.BOARD_MEMBER,
                        ParticipantRole.BOARD_MEMBER,
                    )
                )
            ],
            "motivations": "Grow the value chain with Euro-Mediterranean partners.",
            "expectations": "Governance and innovation methods.",
            "can_advance_costs": True,
            "commits_to_attend": True,
            "submitted_at": self.deadline + (timedelta(minutes=1) if late else -timedelta(days=1)),
        }
        return ApplicationSubmitted.model_validate({**fields, **content})

    def updated(
        self, submitted: ApplicationSubmitted, revision: int, **content: Any
    ) -> ApplicationUpdated:
        fields = submitted.model_dump(exclude={"submitted_at"})
        return ApplicationUpdated.model_validate(
            {
                **fields,
                "revision": revision,
                "updated_at": submitted.submitted_at + timedelta(hours=revision),
                **content,
            }
        )

    def withdrawn(self, application_id: str, revision: int) -> ApplicationWithdrawn:
        return ApplicationWithdrawn(
            application_id=application_id,
            edition_id=self.edition_id,
            revision=revision,
            withdrawn_at=self.deadline - timedelta(hours=1),
        )
