"""What the service knows of an edition's people from other services' events: the selected
clusters' participants (a :class:`Roster` per application, the latest decision winning), and
who attended which session."""

from __future__ import annotations

from pydantic import BaseModel

from academy_contracts.events import ClusterRejected, ClusterSelected, decision_time
from academy_contracts.values import Country, Language, ParticipantRole, UtcDateTime


class Member(BaseModel):
    participant_id: str
    role: ParticipantRole
    full_name: str
    email: str
    language: Language


class Roster(BaseModel):
    """Selection's latest decision about one cluster, with the people it names."""

    application_id: str
    edition_id: str
    cluster_name: str
    country: Country
    selected: bool
    participants: list[Member]
    decided_at: UtcDateTime

    def member(self, participant_id: str) -> Member | None:
        return next((p for p in self.participants if p.participant_id == participant_id), None)


def roster(event: ClusterSelected | ClusterRejected) -> Roster:
    """The decision an event from selection records, dated by the event's own decision time."""
    selected = isinstance(event, ClusterSelected)
    return Roster(
        application_id=event.application_id,
        edition_id=event.edition_id,
        cluster_name=event.cluster.name,
        country=event.cluster.country,
        selected=selected,
        participants=[
            Member(
                participant_id=p.participant_id,
                role=p.role,
                full_name=p.full_name,
                email=str(p.email),
                language=p.language,
            )
            for p in event.participants
        ],
        decided_at=decision_time(event),
    )
