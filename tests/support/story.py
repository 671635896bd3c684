"""The Academy's story driven through the services' public HTTP APIs only, as staff and
applicants would: a cohort edition whose sessions are under way (applications, reviews, the
deadline passed, the selection published), then the stream the kill -9 test interrupts:
submissions to an open edition while the desk checks the cohort in and participants upload a
receipt and claim; then the sessions end, and finance approves, batches and pays."""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pypdf import PdfWriter

from academy_contracts import links
from academy_contracts.roles import Role
from academy_kit.auth import mint
from academy_kit.settings import ServiceSettings
from tests.support.ledger import Ledger, Operation

COUNTRIES = ("TN", "DZ", "EG", "JO", "LB", "MA", "PS")
SECTORS = ("health", "aeronautics_mechanics", "maritime_logistics", "energy_environment")
SESSIONS = ("s1", "s2")
BANK_IBAN = "TN59 1000 6035 1835 9847 8831"


def receipt_pdf(title: str) -> bytes:
    """A one-page PDF (reimbursement accepts only files that parse as one)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def staff(*roles: Role) -> dict[str, str]:
    """A bearer token signed with the development secret every service runs with here."""
    token = mint(ServiceSettings(), "kill9@test", list(roles), timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


ADMIN = staff(Role.ADMIN)
COMMITTEE = staff(Role.COMMITTEE)
CHECKIN = staff(Role.CHECKIN)
FINANCE = staff(Role.FINANCE)


def _sessions(start: datetime, length: timedelta) -> list[dict[str, Any]]:
    return [
        {
            "session_id": sid,
            "title": {"fr": f"Atelier {n}", "en": f"Workshop {n}"},
            "starts_at": start.isoformat(),
            "ends_at": (start + length).isoformat(),
            "place": "Marseille",
        }
        for n, sid in enumerate(SESSIONS)
    ]


def edition_form(
    deadline: datetime, sessions_from: datetime, capacity: int, length: timedelta
) -> dict[str, Any]:
    """Both sessions run at once from ``sessions_from`` for ``length``."""
    return {
        "title": {"fr": "Académie (kill -9)", "en": "Academy (kill -9)"},
        "registration_deadline": deadline.isoformat(),
        "time_zone": "Europe/Paris",
        "capacity": capacity,
        "sessions": _sessions(sessions_from, length),
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
    form: dict[str, Any]
    """The cohort edition as staff last set it (ending its sessions changes it again)."""
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
    """An edition of ``clusters`` applications, reviewed, closed and selected, whose sessions
    started a few minutes ago (so no reminder is due and the desk may check in) and run for a day
    (the stream ends them), and an open edition for the stream's submissions. ``selected`` is
    filled by the topic recorder."""
    now = datetime.now(UTC)
    closed_form = edition_form(
        now + timedelta(hours=1), now - timedelta(minutes=5), clusters, timedelta(days=1)
    )
    cohort = Cohort(edition_id=f"k{uid}a", open_edition_id=f"k{uid}b", form=closed_form)
    await _ok(
        await c.registration.post(
            "/v1/editions", json={"edition_id": cohort.edition_id, **closed_form}, headers=ADMIN
        )
    )
    open_form = edition_form(
        now + timedelta(days=7), now + timedelta(days=40), 10, timedelta(hours=6)
    )
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
    """The interrupted part of the story; every request goes through the ledger.

    Submissions go ``concurrency`` at a time, and the k-th participant starts checking in and
    claiming once the k-th share of the submissions has started, so check-ins, uploads and claims
    are spread over the whole stream rather than queued behind it. When every participant has
    claimed, staff end the sessions; finance then approves (asked again while reimbursement has
    not learned the check-ins and the sessions' end), batches and pays."""

    clients: Clients
    cohort: Cohort
    ledger: Ledger
    uid: str
    submissions: int
    payments: list[Operation] = field(default_factory=list)
    attended: list[Member] = field(default_factory=list)
    """Participants checked in at both sessions (2xx): each is owed a certificate once the
    sessions end."""
    approval_wait: float = 300.0
    """How long finance asks again while reimbursement has not learned what approval needs."""

    async def run(self) -> None:
        started = asyncio.Condition()
        count = 0
        next_submission = iter(range(self.submissions))

        async def submitting() -> None:
            nonlocal count
            for n in next_submission:
                async with started:
                    count += 1
                    started.notify_all()
                await self._submit(n)

        async def attending(k: int, m: Member) -> str | None:
            async with started:
                await started.wait_for(lambda: count >= min(k * share, self.submissions))
            return await self._attend_and_claim(m)

        members = self.cohort.members
        share = max(1, self.submissions // max(1, len(members) + 1))
        workers = [submitting() for _ in range(max(1, self.ledger.concurrency - 1))]
        claims, _ = await asyncio.gather(
            asyncio.gather(*(attending(k + 1, m) for k, m in enumerate(members))),
            asyncio.gather(*workers),
        )
        claimed = [(m, c) for m, c in zip(members, claims, strict=True) if c is not None]
        if await self._end_sessions():
            await asyncio.gather(*(self._approve(m, claim) for m, claim in claimed))
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

    async def _attend_and_claim(self, m: Member) -> str | None:
        """Check in at both sessions, upload a receipt and claim: the claim's id, if made."""
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
                return None
            op.effects.append(("event", "SessionAttended", f"{m.participant_id}/{sid}"))
        self.attended.append(m)
        token = {"X-Application-Token": m.token}
        receipt = receipt_pdf(f"Receipt of {m.participant_id}")
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
            return None
        document_id = answer.json()["document_id"]
        op.effects.append(("document", m.participant_id, document_id))
        claim_form = {
            "lines": [
                {
                    "category": "meals",
                    "expense_date": datetime.now(UTC).date().isoformat(),
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
            return None
        claim_id: str = answer.json()["claim_id"]
        op.effects += [
            ("event", "ExpenseClaimed", claim_id),
            ("mail", m.email, "claim_received"),
        ]
        return claim_id

    async def _end_sessions(self) -> bool:
        """Staff move the sessions' end to now: the workshops are over (a new revision), and
        documents issues a certificate to everyone checked in at both sessions."""
        now = datetime.now(UTC)
        form = self.cohort.form
        form["sessions"] = [s | {"ends_at": now.isoformat()} for s in form["sessions"]]
        op, answer = await self.ledger.call(
            "sessions end",
            self.cohort.edition_id,
            self.clients.registration,
            "PUT",
            f"/v1/editions/{self.cohort.edition_id}",
            json=form,
            headers=ADMIN,
        )
        if answer is None or not answer.is_success:
            return False
        revision = answer.json()["revision"]
        op.effects.append(("event", "EditionPublished", f"{self.cohort.edition_id}/{revision}"))
        op.effects += [
            ("event", "CertificateIssued", f"{self.cohort.edition_id}/{m.participant_id}")
            for m in self.attended
        ]
        return True

    async def _approve(self, m: Member, claim_id: str) -> None:
        # 422 until reimbursement has learned both check-ins and the sessions' end.
        op, answer = await self.ledger.call(
            "approval",
            claim_id,
            self.clients.reimbursement,
            "POST",
            f"/v1/claims/{claim_id}/approval",
            headers=FINANCE,
            wait_on=frozenset({422}),
            retry_for=self.approval_wait,
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
