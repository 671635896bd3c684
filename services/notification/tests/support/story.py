"""One cluster's journey through an edition as the events other services send, for one test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterProfile,
    ClusterRejected,
    ClusterSelected,
    ClusterWaitlisted,
    DocumentsMissing,
    EditionPublished,
    EditionSession,
    ExpenseClaimed,
    ExpenseLine,
    LocalizedText,
    ReimbursementApproved,
    ReimbursementPaid,
    RejectionReason,
    ScreeningReason,
    SessionAttended,
)
from academy_contracts.values import (
    Country,
    Currency,
    ExpenseCategory,
    Language,
    Money,
    Participant,
    ParticipantRole,
    Sector,
)


class Story:
    """The events of one cluster's journey through an edition, for one test: an edition with two
    sessions, an application by three participants (two French-speaking, one English-speaking),
    the decisions, and a claim of the English-speaking participant."""

    def __init__(self, uid: str) -> None:
        self.uid = uid
        self.edition_id = f"ed-{uid}"
        self.application_id = f"app-{uid}"
        self.claim_id = f"claim-{uid}"
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.cluster = ClusterProfile(
            name=f"Pôle Santé Sfax {uid}",
            country=Country.TUNISIA,
            sector=Sector.HEALTH,
            eccp_id=f"eccp-{uid}",
        )
        self.participants = [
            Participant(
                participant_id=f"p{n}-{uid}",
                role=role,
                full_name=name,
                email=f"{name.split()[0].lower()}-{uid}@pole-sante.tn",
                language=language,
            )
            for n, (role, name, language) in enumerate(
                (
                    (ParticipantRole.CLUSTER_MANAGER, "Amira Ben Salah", Language.FR),
                    (ParticipantRole.BOARD_MEMBER, "Karim Trabelsi", Language.FR),
                    (ParticipantRole.BOARD_MEMBER, "Sarah Haddad", Language.EN),
                ),
                start=1,
            )
        ]

    def email(self, n: int) -> str:
        return str(self.participants[n].email)

    def _ids(self) -> dict[str, Any]:
        return {"application_id": self.application_id, "edition_id": self.edition_id}

    def session(self, n: int, starts_in: timedelta) -> EditionSession:
        return EditionSession(
            session_id=f"s{n}",
            title=LocalizedText(fr=f"Atelier {n}", en=f"Workshop {n}"),
            starts_at=self.now + starts_in,
            ends_at=self.now + starts_in + timedelta(hours=6),
            place="Marseille",
        )

    def edition(self, *sessions: EditionSession, revision: int = 1) -> EditionPublished:
        return EditionPublished(
            edition_id=self.edition_id,
            revision=revision,
            title=LocalizedText(fr="Académie des clusters", en="Cluster Academy"),
            registration_deadline=self.now + timedelta(days=7),
            time_zone="Europe/Paris",
            capacity=10,
            languages=[Language.FR, Language.EN],
            sessions=list(sessions)
            or [self.session(1, timedelta(days=30)), self.session(2, timedelta(days=31))],
            published_at=self.now,
        )

    def _content(self) -> dict[str, Any]:
        return {
            **self._ids(),
            "cluster": self.cluster,
            "participants": self.participants,
            "motivations": "Grow our medical devices value chain.",
            "expectations": "Governance and innovation methods.",
            "can_advance_costs": True,
            "commits_to_attend": True,
        }

    def submitted(self) -> ApplicationSubmitted:
        return ApplicationSubmitted(**self._content(), submitted_at=self.now)

    def updated(self) -> ApplicationUpdated:
        return ApplicationUpdated(**self._content(), revision=2, updated_at=self.now)

    def withdrawn(self) -> ApplicationWithdrawn:
        return ApplicationWithdrawn(
            **self._ids(), revision=3, reason="Calendar conflict", withdrawn_at=self.now
        )

    def not_eligible(self) -> ApplicationScreened:
        return ApplicationScreened(
            **self._ids(),
            revision=1,
            eligible=False,
            reasons=[ScreeningReason.ECCP_MISSING, ScreeningReason.CANNOT_ADVANCE_COSTS],
            screened_at=self.now,
        )

    def selected(self) -> ClusterSelected:
        return ClusterSelected(
            **self._ids(),
            cluster=self.cluster,
            participants=self.participants,
            selected_at=self.now,
            offer_deadline=self.now + timedelta(days=10),
        )

    def waitlisted(self) -> ClusterWaitlisted:
        return ClusterWaitlisted(
            **self._ids(),
            cluster=self.cluster,
            participants=self.participants,
            waitlist_rank=2,
            decided_at=self.now,
        )

    def rejected(self) -> ClusterRejected:
        return ClusterRejected(
            **self._ids(),
            cluster=self.cluster,
            participants=self.participants,
            reason=RejectionReason.NOT_SELECTED,
            decided_at=self.now,
        )

    def attended(self, n: int, session_id: str) -> SessionAttended:
        return SessionAttended(
            **self._ids(),
            session_id=session_id,
            participant_id=self.participants[n].participant_id,
            attended_at=self.now,
        )

    def claimed(self, n: int = 2) -> ExpenseClaimed:
        return ExpenseClaimed(
            **self._ids(),
            claim_id=f"{self.claim_id}-{n}",
            participant_id=self.participants[n].participant_id,
            lines=[
                ExpenseLine(
                    line_id="l1",
                    category=ExpenseCategory.TRAVEL,
                    expense_date=self.now.date(),
                    description="Flight Tunis-Marseille",
                    amount=Money(amount=Decimal("420.00"), currency=Currency.EUR),
                ),
                ExpenseLine(
                    line_id="l2",
                    category=ExpenseCategory.ACCOMMODATION,
                    expense_date=self.now.date(),
                    description="Hotel, 3 nights",
                    amount=Money(amount=Decimal("380.00"), currency=Currency.EUR),
                ),
            ],
            claimed_at=self.now,
        )

    def documents_missing(self, n: int = 2) -> DocumentsMissing:
        return DocumentsMissing(
            **self._ids(),
            claim_id=f"{self.claim_id}-{n}",
            participant_id=self.participants[n].participant_id,
            missing=["Boarding pass of the return flight", "Hotel invoice"],
            noted_at=self.now,
        )

    def approved(self, n: int = 2) -> ReimbursementApproved:
        return ReimbursementApproved(
            **self._ids(),
            claim_id=f"{self.claim_id}-{n}",
            participant_id=self.participants[n].participant_id,
            eligible=Money(amount=Decimal("800.00"), currency=Currency.EUR),
            approved=Money(amount=Decimal("720.00"), currency=Currency.EUR),
            approved_at=self.now,
        )

    def paid(self, n: int = 2) -> ReimbursementPaid:
        return ReimbursementPaid(
            **self._ids(),
            claim_id=f"{self.claim_id}-{n}",
            participant_id=self.participants[n].participant_id,
            amount=Money(amount=Decimal("720.00"), currency=Currency.EUR),
            payment_reference=f"PAY-{self.uid}",
            paid_at=self.now,
        )
