"""An edition's story with known counts for the funder's report: six clusters from six
countries, each stopping at another step (withdrawn, ineligible, waitlisted, offer lapsed,
taking part), the participants' stated sex, check-ins, claims in euros and dirhams, one paid.

:data:`EXPECTED` holds the figures this story must give, worked out by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from academy_contracts.events import (
    ApplicationScreened,
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    ClusterProfile,
    ClusterWaitlisted,
    EditionPublished,
    ExpenseClaimed,
    ExpenseLine,
    IntegrationEvent,
    LocalizedText,
    OfferActor,
    OfferConfirmed,
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
    Sector,
    Sex,
)
from academy_local import cohort as sample


@dataclass(frozen=True)
class Story:
    edition_id: str

    @property
    def start(self) -> datetime:
        return datetime(2026, 3, 2, 8, tzinfo=UTC)

    def app(self, n: int) -> str:
        return f"{self.edition_id}-a{n}"

    def pid(self, n: int, k: int) -> str:
        return f"{self.app(n)}-p{k}"

    def edition(self) -> EditionPublished:
        return sample.edition(
            self.edition_id,
            [self.start + timedelta(days=n) for n in (1, 2)],
            title=LocalizedText(fr="Académie (rapport)", en="Academy (report)"),
            registration_deadline=self.start - timedelta(days=60),
            published_at=self.start - timedelta(days=90),
            capacity=2,
        )

    def _cluster(self, n: int, country: Country, sector: Sector) -> ClusterProfile:
        return ClusterProfile(name=f"Cluster {n}", country=country, sector=sector, eccp_id=f"e{n}")

    def _participants(self, n: int, sexes: tuple[Sex | None, ...]) -> list[Participant]:
        return [
            Participant(
                participant_id=self.pid(n, k),
                role=role,
                full_name=f"Person {n}.{k}",
                email=f"p{k}@cluster{n}.org",
                language=Language.FR,
                sex=sex,
            )
            for k, (role, sex) in enumerate(zip(sample.ROLES, sexes, strict=True))
        ]

    def _applicant(
        self, n: int, country: Country, sector: Sector, sexes: tuple[Sex | None, ...]
    ) -> sample.Applicant:
        return sample.Applicant(
            self.app(n),
            self.edition_id,
            self._cluster(n, country, sector),
            self._participants(n, sexes),
        )

    def _content(
        self, n: int, country: Country, sector: Sector, sexes: tuple[Sex | None, ...]
    ) -> dict[str, Any]:
        return {
            "application_id": self.app(n),
            "edition_id": self.edition_id,
            "cluster": self._cluster(n, country, sector),
            "participants": self._participants(n, sexes),
            "motivations": "Grow",
            "expectations": "Learn",
            "can_advance_costs": True,
            "commits_to_attend": True,
        }

    def events(self) -> list[IntegrationEvent]:
        """The story in an order each topic could carry it (per cluster, in order)."""
        t = self.start - timedelta(days=80)
        female, male = Sex.FEMALE, Sex.MALE
        clusters: dict[int, tuple[Country, Sector, tuple[Sex | None, ...]]] = {
            1: (Country.TUNISIA, Sector.HEALTH, (female, male, None)),
            2: (
                Country.MOROCCO,
                Sector.ENERGY_ENVIRONMENT,
                (female, female, Sex.PREFER_NOT_TO_SAY),
            ),
            3: (Country.ALGERIA, Sector.MARITIME_LOGISTICS, (male, male, male)),
            4: (Country.EGYPT, Sector.HEALTH, (female, male, male)),
            5: (Country.JORDAN, Sector.AERONAUTICS_MECHANICS, (female, female, male)),
            6: (Country.LEBANON, Sector.ENERGY_ENVIRONMENT, (male, female, None)),
        }
        events: list[IntegrationEvent] = [self.edition()]
        for n, (country, sector, sexes) in clusters.items():
            content = self._content(n, country, sector, sexes)
            events.append(ApplicationSubmitted(**content, submitted_at=t))
            if n == 5:
                events.append(
                    ApplicationWithdrawn(
                        application_id=self.app(n),
                        edition_id=self.edition_id,
                        revision=2,
                        withdrawn_at=t + timedelta(days=1),
                    )
                )
                continue
            eligible = n != 4
            events.append(
                ApplicationScreened(
                    application_id=self.app(n),
                    edition_id=self.edition_id,
                    revision=1,
                    eligible=eligible,
                    reasons=[] if eligible else [ScreeningReason.ECCP_MISSING],
                    screened_at=t + timedelta(hours=1),
                )
            )
        # Cluster 1 states the third participant's sex in an amendment.
        events.append(
            ApplicationUpdated(
                **self._content(1, Country.TUNISIA, Sector.HEALTH, (female, male, Sex.OTHER)),
                revision=2,
                updated_at=t + timedelta(days=2),
            )
        )
        decided = self.start - timedelta(days=30)
        for n in (1, 2, 6):
            country, sector, sexes = clusters[n]
            if n == 1:
                sexes = (female, male, Sex.OTHER)
            events.append(self._applicant(n, country, sector, sexes).selected(decided))
        for n in (1, 2):
            events.append(
                OfferConfirmed(
                    application_id=self.app(n),
                    edition_id=self.edition_id,
                    confirmed_at=decided + timedelta(days=3),
                    confirmed_by=OfferActor.APPLICANT,
                )
            )
        country, sector, sexes = clusters[6]
        events.append(
            self._applicant(6, country, sector, sexes).rejected(decided + timedelta(days=8))
        )
        country, sector, sexes = clusters[3]
        events.append(
            ClusterWaitlisted(
                application_id=self.app(3),
                edition_id=self.edition_id,
                cluster=self._cluster(3, country, sector),
                participants=self._participants(3, sexes),
                waitlist_rank=1,
                decided_at=decided,
            )
        )
        country, sector, sexes = clusters[4]
        events.append(
            self._applicant(4, country, sector, sexes).rejected(
                decided, RejectionReason.NOT_ELIGIBLE
            )
        )
        for n in (1, 2):
            for k in range(3):
                for s in (1, 2):
                    if (n, k, s) == (1, 2, 2):
                        continue  # cluster 1's third participant missed the second session
                    events.append(
                        SessionAttended(
                            application_id=self.app(n),
                            edition_id=self.edition_id,
                            session_id=f"s{s}",
                            participant_id=self.pid(n, k),
                            attended_at=self.start + timedelta(days=s, minutes=10),
                        )
                    )
        claimed = self.start + timedelta(days=5)
        events += [
            self._claim(
                1,
                [
                    (ExpenseCategory.TRAVEL, "400.00", Currency.EUR),
                    (ExpenseCategory.ACCOMMODATION, "300.00", Currency.EUR),
                ],
                claimed,
            ),
            self._approved(1, "700.00", "630.00", claimed + timedelta(days=4)),
            ReimbursementPaid(
                application_id=self.app(1),
                edition_id=self.edition_id,
                claim_id=f"c-{self.app(1)}",
                participant_id=self.pid(1, 0),
                amount=Money(amount=Decimal("630.00"), currency=Currency.EUR),
                payment_reference="TR-1",
                paid_at=claimed + timedelta(days=10),
            ),
            self._claim(
                2,
                [
                    (ExpenseCategory.VISA, "1500.00", Currency.MAD),
                    (ExpenseCategory.TRAVEL, "200.00", Currency.EUR),
                ],
                claimed,
            ),
            self._approved(2, "350.00", "315.00", claimed + timedelta(days=6)),
        ]
        return events

    def _claim(
        self, n: int, lines: list[tuple[ExpenseCategory, str, Currency]], at: datetime
    ) -> ExpenseClaimed:
        return ExpenseClaimed(
            application_id=self.app(n),
            edition_id=self.edition_id,
            claim_id=f"c-{self.app(n)}",
            participant_id=self.pid(n, 0),
            lines=[
                ExpenseLine(
                    line_id=f"l{i}",
                    category=category,
                    expense_date=self.start.date(),
                    description="Cost",
                    amount=Money(amount=Decimal(amount), currency=currency),
                )
                for i, (category, amount, currency) in enumerate(lines)
            ],
            claimed_at=at,
        )

    def _approved(
        self, n: int, eligible: str, approved: str, at: datetime
    ) -> ReimbursementApproved:
        return ReimbursementApproved(
            application_id=self.app(n),
            edition_id=self.edition_id,
            claim_id=f"c-{self.app(n)}",
            participant_id=self.pid(n, 0),
            eligible=Money(amount=Decimal(eligible), currency=Currency.EUR),
            approved=Money(amount=Decimal(approved), currency=Currency.EUR),
            approved_at=at,
        )


EXPECTED: dict[str, Any] = {
    "applications": 6,
    "withdrawn": 1,
    "eligible": 4,
    "selected": 2,
    "confirmed": 2,
    "participants": 6,
    "participants_by_country_sector_sex": [
        {"country": "MA", "sector": "energy_environment", "sex": "female", "participants": 2},
        {
            "country": "MA",
            "sector": "energy_environment",
            "sex": "prefer_not_to_say",
            "participants": 1,
        },
        {"country": "TN", "sector": "health", "sex": "female", "participants": 1},
        {"country": "TN", "sector": "health", "sex": "male", "participants": 1},
        {"country": "TN", "sector": "health", "sex": "other", "participants": 1},
    ],
    "present": {"s1": 6, "s2": 5},
    "completed": 5,
    "completion_rate": "0.83",
    "claimed": [
        {"country": "MA", "category": "travel", "currency": "EUR", "amount": "200.00"},
        {"country": "MA", "category": "visa", "currency": "MAD", "amount": "1500.00"},
        {"country": "TN", "category": "accommodation", "currency": "EUR", "amount": "300.00"},
        {"country": "TN", "category": "travel", "currency": "EUR", "amount": "400.00"},
    ],
    "reimbursed": [
        {
            "country": "MA",
            "claims": 1,
            "eligible_eur": "350.00",
            "reimbursed_eur": "315.00",
            "paid_eur": "0.00",
        },
        {
            "country": "TN",
            "claims": 1,
            "eligible_eur": "700.00",
            "reimbursed_eur": "630.00",
            "paid_eur": "630.00",
        },
    ],
    "claim_to_payment": {
        "paid_claims": 1,
        "mean_days": "10.0",
        "median_days": "10.0",
        "longest_days": "10.0",
    },
}
"""The figures of :class:`Story`, worked out by hand from it."""
