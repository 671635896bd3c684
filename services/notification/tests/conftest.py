"""Notification's fixtures: a real SMTP server (aiosmtpd) that keeps what it receives, the
service on the suite's Kafka and FerretDB (started with the settings a test overrides), and a
story of one cluster's events to put on the topics with the root ``send`` fixture."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Session
from aiosmtpd.smtp import Envelope as SmtpEnvelope

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
from academy_contracts.registry import Topic
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
from academy_notification.entrypoints.main import create_app
from academy_notification.settings import NotificationSettings


class Inbox:
    """What the SMTP server accepted: each message with the envelope recipients."""

    def __init__(self, delay: float = 0.0) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.delay = delay
        self._lock = threading.Lock()

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: SmtpEnvelope, address: str, options: Any
    ) -> str:
        """Refuse for good any address starting with ``bounce``, as a real server refuses an
        unknown mailbox."""
        if address.startswith("bounce"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: SmtpEnvelope
    ) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        raw = envelope.original_content or b""
        message = message_from_bytes(raw, _class=EmailMessage, policy=policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def messages(self, to: str, **headers: str) -> list[EmailMessage]:
        """The messages to ``to`` whose headers have exactly the given values
        (``x_academy_template="selected"``)."""
        with self._lock:
            found = [m for rcpts, m in self.received if to in rcpts]
        return [
            m
            for m in found
            if all(str(m[name.replace("_", "-")]) == value for name, value in headers.items())
        ]

    def about(self, marker: str) -> list[EmailMessage]:
        """The messages to recipients whose address contains ``marker`` (a test's uid): the
        broker is shared, so the service also writes about other tests' events."""
        with self._lock:
            return [m for rcpts, m in self.received if any(marker in r for r in rcpts)]

    def count(self, marker: str) -> int:
        return len(self.about(marker))


def body_of(message: EmailMessage) -> str:
    """A received message's text as the service wrote it (SMTP carries lines ending in CRLF)."""
    text: str = message.get_content()
    return text.replace("\r\n", "\n")


class SmtpServer:
    """A real SMTP server on a fixed port that a test can stop and start again."""

    def __init__(self, port: int, inbox: Inbox) -> None:
        self.port = port
        self.inbox = inbox
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp(free_port: Callable[[], int]) -> Iterator[SmtpServer]:
    """A running SMTP server with an empty inbox."""
    server = SmtpServer(free_port(), Inbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def notification_settings(
    service_settings: Any, smtp: SmtpServer, start_at_the_end: Any, uid: str
) -> Callable[..., Any]:
    """Settings for the service under test: its SMTP server, quick retries and polls, a project
    manager of this test's own, no daily digest unless a test asks (it would go out at any
    sweep after its hour), and a consumer group that starts at the end of the topics."""
    await start_at_the_end(service_settings(NotificationSettings), [t.value for t in Topic])

    def build(**overrides: Any) -> NotificationSettings:
        fields: dict[str, Any] = {
            "smtp_port": smtp.port,
            "retry_base_seconds": 0.2,
            "retry_max_seconds": 1.0,
            "dispatch_poll_seconds": 0.2,
            "schedule_poll_seconds": 0.2,
            "digest_daily": False,
            "project_manager_email": f"pm-{uid}@anima.coop",
            "link_base_url": "https://academy.example/v1/applications",
        }
        settings: NotificationSettings = service_settings(
            NotificationSettings, **{**fields, **overrides}
        )
        return settings

    return build


@pytest.fixture
def start_notification(
    notification_settings: Any, run_app: Any
) -> Callable[..., AbstractAsyncContextManager[Any]]:
    """Start the service with settings overrides (``async with start_notification(**overrides)
    as client``): a client of it, ``.app`` being the app. The same overrides give the same
    settings, so a test can start the service again on the same database."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[Any]:
        app = create_app(notification_settings(**overrides))
        async with run_app(app) as client:
            client.app = app
            yield client

    return start


@pytest.fixture
async def notification(start_notification: Any) -> AsyncIterator[Any]:
    """A client of a running notification service (``.app`` is the app)."""
    async with start_notification() as client:
        yield client


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


@pytest.fixture
def story(uid: str) -> Story:
    return Story(uid)
