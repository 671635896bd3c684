"""The Academy's story driven through the four services' public HTTP APIs only, as staff and
applicants would: a cohort edition whose sessions are over (applications, reviews, the deadline
passed, the selection published), then the stream the kill -9 test interrupts: submissions to an
open edition while the desk checks the cohort in, participants upload a receipt and claim, finance
approves, batches and pays."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from academy_contracts import links
from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings
from tests.support.ledger import Ledger, Operation

COUNTRIES = ("TN", "DZ", "EG", "JO", "LB", "MA", "PS")
SECTORS = ("health", "aeronautics_mechanics", "maritime_logistics", "energy_environment")
SESSIONS = ("s1", "s2")
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
BANK_IBAN = "TN59 1000 6035 1835 9847 8831"


def staff(*roles: Role) -> dict[str, str]:
    """A bearer token signed with the development secret every service runs with here."""
    token = mint(ServiceSettings(), "kill9@test", list(roles), timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


ADMIN = staff(Role.ADMIN)
COMMITTEE = staff(Role.COMMITTEE)
CHECKIN = staff(Role.CHECKIN)
FINANCE = staff(Role.FINANCE)


def _sessions(start: datetime) -> list[dict[str, Any]]:
    return [
        {
            "session_id": sid,
            "title": {"fr": f"Atelier {n}", "en": f"Workshop {n}"},
            "starts_at": (start + timedelta(days=n)).isoformat(),
            "ends_at": (start + timedelta(days=n, hours=6)).isoformat(),
            "place": "Marseille",
        }
        for n, sid in enumerate(SESSIONS)
    ]


def edition_form(deadline: datetime, sessions_from: datetime, capacity: int) -> dict[str, Any]:
    return {
        "title": {"fr": "Académie (kill -9)", "en": "Academy (kill -9)"},
        "registration_deadline": deadline.isoformat(),
        "time_zone": "Europe/Paris",
        "capacity": capacity,
        "sessions": _sessions(sessions_from),
    }


def application_form(edition_id: str, tag: str, n: int) -> dict[str, Any]:
    """Participants' addresses are unique to the application, so each email is countable."""
    people = [("cluster_manager", "fr"), ("board_member", "fr"), ("board_member", "en")]
    return {
        "edition_id": edition_id,
        "cluster": {
            "name": f"Cluster {tag}",
            "country": COUNTRIES[n % len(COUNTRIES)],
            "sector": SECTORS[n % len(SECTORS)],
            "eccp_id": f"eccp-{tag}",
            "eccp_profile_url": f"https://clustercollaboration.eu/cluster-organisations/{tag}",
        },
        "participants": [
            {
                "role": role,
                "full_name": f"Person {i} {tag}",
                "email": recipient(tag, i),
                "language": language,
            }
            for i, (role, language) in enumerate(people)
        ],
        "motivations": "Grow our value chain with Euro-Mediterranean partners.",
        "expectations": "Governance and innovation methods.",
        "can_advance_costs": True,
        "commits_to_attend": True,
    }


def recipient(tag: str, i: int) -> str:
    return f"p{i}-{tag}@kill9-academy.org"


@dataclass
class Clients:
    registration: httpx.AsyncClient
    selection: httpx.AsyncClient
    notification: httpx.AsyncClient
    reimbursement: httpx.AsyncClient


@dataclass
class Member:
    """A participant of a selected cluster: who checks in and claims."""

    application_id: str
    participant_id: str
    email: str
    name: str
    token: str

    @property
    def path(self) -> str:
        return f"/v1/applications/{self.application_id}/participants/{self.participant_id}"


@dataclass
class Cohort:
    edition_id: str
    open_edition_id: str
    members: list[Member] = field(default_factory=list)


async def _until(probe: Any, what: str, timeout: float = 120.0, interval: float = 0.5) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        try:
            found = await probe()
        except httpx.TransportError:
            found = None
        if found:
            return found
        assert loop.time() < deadline, f"{what}: not within {timeout} s"
        await asyncio.sleep(interval)


async def _ok(response: httpx.Response) -> Any:
    assert response.is_success, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json()


async def set_up_cohort(c: Clients, uid: str, clusters: int, selected: set[str]) -> Cohort:
    """An edition of ``clusters`` applications, reviewed, closed and selected, with sessions
    that ended days ago (beyond the missed-session warnings' horizon, so no warning mail), and an
    open edition for the stream's submissions. ``selected`` is filled by the topic recorder."""
    now = datetime.now(UTC)
    cohort = Cohort(edition_id=f"k{uid}a", open_edition_id=f"k{uid}b")
    closed_form = edition_form(now + timedelta(hours=1), now - timedelta(days=6), clusters)
    await _ok(
        await c.registration.post(
            "/v1/editions", json={"edition_id": cohort.edition_id, **closed_form}, headers=ADMIN
        )
    )
    open_form = edition_form(now + timedelta(days=7), now + timedelta(days=40), 10)
    await _ok(
        await c.registration.post(
            "/v1/editions", json={"edition_id": cohort.open_edition_id, **open_form}, headers=ADMIN
        )
    )
    for n in range(clusters):
        await _ok(
            await c.registration.post(
                "/v1/applications", json=application_form(cohort.edition_id, f"{uid}c{n}", n)
            )
        )

    policy_path = f"/v1/editions/{cohort.edition_id}/review-policy"

    async def policy() -> Any:
        answer = await c.selection.get(policy_path, headers=ADMIN)
        return answer.json() if answer.status_code == 200 else None

    rubric = await _until(policy, "selection knows the cohort edition")
    # The staff token's subject reviews: only the edition's committee may.
    rubric |= {
        "min_reviews": 1,
        "conflict_of_interest": False,
        "committee": [{"subject": "kill9@test"}],
    }
    await _ok(await c.selection.put(policy_path, json=rubric, headers=ADMIN))

    async def queue() -> Any:
        answer = await c.selection.get(
            f"/v1/editions/{cohort.edition_id}/review-queue", headers=COMMITTEE
        )
        items = answer.json() if answer.status_code == 200 else []
        return items if len(items) == clusters else None

    for item in await _until(queue, "every cohort application screened eligible"):
        scores = {cr["name"]: cr.get("scale_max", 5) for cr in rubric["criteria"]}
        await _ok(
            await c.selection.put(
                f"/v1/applications/{item['application_id']}/reviews/mine",
                json={"scores": scores},
                headers=COMMITTEE,
            )
        )

    # Close registration: a deadline just past, after every cohort application.
    await asyncio.sleep(1.0)
    closed_form["registration_deadline"] = (datetime.now(UTC) - timedelta(seconds=0.5)).isoformat()
    await _ok(
        await c.registration.put(
            f"/v1/editions/{cohort.edition_id}", json=closed_form, headers=ADMIN
        )
    )

    async def publish() -> Any:
        answer = await c.selection.post(
            f"/v1/editions/{cohort.edition_id}/selection",
            json={"accept_relaxations": True},
            headers=ADMIN,
        )
        return answer.json() if answer.status_code in (200, 201) else None

    published = await _until(publish, "the selection published")
    offered = {d["application_id"] for d in published["decisions"] if d["status"] == "offered"}
    assert offered, published
    await _until(lambda: _true(selected >= offered), "ClusterSelected on the topic", interval=0.3)

    async def desk() -> Any:
        answer = await c.registration.get(
            f"/v1/editions/{cohort.edition_id}/participants", headers=CHECKIN
        )
        listed = answer.json() if answer.status_code == 200 else []
        return listed if {x["application_id"] for x in listed} == offered else None

    for cluster in await _until(desk, "registration knows the selected participants"):
        for p in cluster["participants"]:
            member = Member(
                application_id=cluster["application_id"],
                participant_id=p["participant_id"],
                email=p["email"],
                name=p["full_name"],
                token=links.issue(
                    ServiceSettings().link_secret,
                    cluster["application_id"],
                    p["participant_id"],
                    links.Scope.PARTICIPANT,
                    now=datetime.now(UTC),
                ),
            )
            cohort.members.append(member)

    for member in cohort.members:

        async def known(m: Member = member) -> bool:
            answer = await c.reimbursement.get(
                f"{m.path}/documents", headers={"X-Application-Token": m.token}
            )
            return answer.status_code == 200

        await _until(known, f"reimbursement knows {member.participant_id}")
    return cohort


async def _true(value: bool) -> bool:
    return value


@dataclass
class Stream:
    """The interrupted part of the story; every request goes through the ledger."""

    clients: Clients
    cohort: Cohort
    ledger: Ledger
    uid: str
    submissions: int
    payments: list[Operation] = field(default_factory=list)

    async def run(self) -> None:
        members = [self._member(m) for m in self.cohort.members]
        submissions = [self._submit(n) for n in range(self.submissions)]
        # Interleave: a participant's chain between every few submissions.
        step = max(1, len(submissions) // max(1, len(members)))
        ordered: list[Any] = []
        for i, sub in enumerate(submissions):
            ordered.append(sub)
            if i % step == 0 and members:
                ordered.append(members.pop())
        ordered += members
        await asyncio.gather(*ordered)
        await self._pay()

    async def _submit(self, n: int) -> None:
        tag = f"{self.uid}s{n}"
        op, answer = await self.ledger.call(
            "submission",
            tag,
            self.clients.registration,
            "POST",
            "/v1/applications",
            json=application_form(self.cohort.open_edition_id, tag, n),
            headers={"Idempotency-Key": f"kill9-{tag}"},
        )
        if answer is not None and answer.is_success:
            app = answer.json()["application_id"]
            op.effects += [
                ("event", "ApplicationSubmitted", app),
                ("event", "ApplicationScreened", app),
                *(("mail", recipient(tag, i), "application_received") for i in range(3)),
            ]

    async def _member(self, m: Member) -> None:
        reg, rei = self.clients.registration, self.clients.reimbursement
        for sid in SESSIONS:
            op, answer = await self.ledger.call(
                "check-in",
                f"{m.participant_id}/{sid}",
                reg,
                "POST",
                f"/v1/editions/{self.cohort.edition_id}/sessions/{sid}/check-ins",
                json={"participant_id": m.participant_id},
                headers=CHECKIN,
            )
            if answer is None or not answer.is_success:
                return
            op.effects.append(("event", "SessionAttended", f"{m.participant_id}/{sid}"))
        token = {"X-Application-Token": m.token}
        receipt = PDF + f"% receipt of {m.participant_id}\n".encode()
        op, answer = await self.ledger.call(
            "upload",
            m.participant_id,
            rei,
            "POST",
            f"{m.path}/documents",
            data={"kind": "receipt"},
            files={"file": ("receipt.pdf", receipt, "application/pdf")},
            headers=token,
        )
        if answer is None or not answer.is_success:
            return
        document_id = answer.json()["document_id"]
        op.effects.append(("document", m.participant_id, document_id))
        claim_form = {
            "lines": [
                {
                    "category": "meals",
                    "expense_date": (datetime.now(UTC) - timedelta(days=6)).date().isoformat(),
                    "description": "Meals during the workshops",
                    "amount": {"amount": "120.00", "currency": "EUR"},
                    "documents": [document_id],
                }
            ],
            "bank": {
                "beneficiary_name": m.name,
                "iban": BANK_IBAN,
                "bic": "BSTUTNTT",
                "bank_name": "Banque de Tunisie",
                "bank_country": "TN",
            },
        }
        op, answer = await self.ledger.call(
            "claim",
            m.participant_id,
            rei,
            "POST",
            f"{m.path}/claim",
            json=claim_form,
            headers=token,
        )
        if answer is None or not answer.is_success:
            return
        claim_id = answer.json()["claim_id"]
        op.effects += [
            ("event", "ExpenseClaimed", claim_id),
            ("mail", m.email, "claim_received"),
        ]
        # Approval waits (422) until reimbursement has learned both check-ins.
        op, answer = await self.ledger.call(
            "approval",
            claim_id,
            rei,
            "POST",
            f"/v1/claims/{claim_id}/approval",
            headers=FINANCE,
            wait_on=frozenset({422}),
        )
        if answer is not None and answer.is_success:
            op.effects += [
                ("event", "ReimbursementApproved", claim_id),
                ("mail", m.email, "reimbursement_approved"),
            ]

    async def _pay(self) -> None:
        rei = self.clients.reimbursement
        _, batch = await self.ledger.call(
            "batch",
            self.cohort.edition_id,
            rei,
            "POST",
            "/v1/payment-batches",
            json={"edition_id": self.cohort.edition_id},
            headers=FINANCE,
        )
        if batch is None or not batch.is_success:
            return
        batch_id = batch.json()["batch_id"]
        op, paid = await self.ledger.call(
            "payment",
            batch_id,
            rei,
            "POST",
            f"/v1/payment-batches/{batch_id}/payment",
            json={"payment_reference": f"PAY-{self.uid}"},
            headers=FINANCE,
        )
        if paid is None or not paid.is_success:
            return
        emails = {m.participant_id: m.email for m in self.cohort.members}
        for claim in paid.json()["claims"]:
            op.effects += [
                ("event", "ReimbursementPaid", claim["claim_id"]),
                ("mail", emails[claim["participant_id"]], "reimbursement_paid"),
            ]
        self.payments.append(op)
