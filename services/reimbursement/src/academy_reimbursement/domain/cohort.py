"""Who may claim, as the service learns it from selection's events, and the absences finance
excused: value types the approval rule reasons about."""

from __future__ import annotations

from pydantic import BaseModel

from academy_contracts.values import UtcDateTime


class Claimant(BaseModel):
    """A participant of a cluster, and whether the cluster's selection stands."""

    application_id: str
    edition_id: str
    participant_id: str
    full_name: str
    selected: bool


class Excuse(BaseModel):
    """Finance's excuse of a participant's absence from one session, with the reason."""

    session_id: str
    reason: str
    excused_by: str
    excused_at: UtcDateTime
