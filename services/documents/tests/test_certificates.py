"""Certificates on in-memory stores: exactly those who attended every session of an edition
that is over get one; undoing a check-in revokes it; a counted absence completes one; the PDF
holds the holder's name in French or English, Arabic names included."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from academy_contracts.events import CertificateIssued, CertificateRevoked
from academy_contracts.values import Language
from academy_documents.domain.certificates import CertificateState, RevocationReason
from academy_documents.domain.failures import UnknownCertificate, UnknownSession
from academy_documents.handlers import certificates as certificates_handler

from .support.cohort import NAMES, Cohort
from .support.service import InMemory, in_memory


async def _story(memory: InMemory, cohort: Cohort, attended: dict[int, tuple[str, ...]]) -> None:
    """The edition, its selected cluster, and participant n checked in at ``attended[n]``."""
    pids = cohort.participant_ids
    check_ins = [cohort.attended(pids[n], s) for n, sessions in attended.items() for s in sessions]
    await memory.deliver(cohort.selected(), *check_ins, cohort.edition())


def _issued_to(memory: InMemory) -> list[str]:
    return [e.participant_id for e in memory.store.events() if isinstance(e, CertificateIssued)]


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


async def test_only_those_present_at_every_session_get_a_certificate() -> None:
    memory, cohort = in_memory(), Cohort("ed-all")
    await _story(memory, cohort, {0: ("s1", "s2"), 1: ("s1",), 2: ("s2", "s1")})
    pids = cohort.participant_ids
    assert sorted(_issued_to(memory)) == sorted([pids[0], pids[2]])
    certificates = await memory.certificates.of_edition(cohort.edition_id)
    assert {c.participant_id for c in certificates} == {pids[0], pids[2]}
    assert all(c.state == CertificateState.ISSUED for c in certificates)


async def test_a_story_of_two_clusters_issues_to_exactly_those_present_at_every_session() -> None:
    """Selected cluster: one present at both sessions, one who missed the second, one whose
    check-in at the first was undone; a rejected cluster whose three were checked in at both
    all the same. One certificate, and nobody else's."""
    memory, edition_id = in_memory(), "ed-story"
    selected, rejected = Cohort(edition_id, "app-in"), Cohort(edition_id, "app-out")
    present, missed, undone = selected.participant_ids
    await memory.deliver(
        selected.selected(),
        rejected.rejected(),
        selected.attended(present, "s1"),
        selected.attended(present, "s2"),
        selected.attended(missed, "s1"),
        selected.attended(undone, "s1"),
        selected.attended(undone, "s2"),
        selected.undone(undone, "s1"),
        *(rejected.attended(pid, s) for pid in rejected.participant_ids for s in ("s1", "s2")),
        selected.edition(),
    )
    assert _issued_to(memory) == [present]
    certificates = await memory.certificates.of_edition(edition_id)
    assert [(c.participant_id, c.state) for c in certificates] == [
        (present, CertificateState.ISSUED)
    ]
    for pid in (missed, undone, *rejected.participant_ids):
        with pytest.raises(UnknownCertificate):
            await memory.certificates.verify(memory.certificates.reference(edition_id, pid))


async def test_nothing_is_issued_before_the_last_session_ends() -> None:
    memory, cohort = in_memory(), Cohort("ed-future", ended=False)
    await _story(memory, cohort, {0: ("s1", "s2")})
    assert memory.store.events() == []
    await memory.certificates.review_edition(cohort.edition_id)
    assert memory.store.events() == []


async def test_redelivered_events_issue_once() -> None:
    memory, cohort = in_memory(), Cohort("ed-twice")
    await _story(memory, cohort, {0: ("s1", "s2")})
    await _story(memory, cohort, {0: ("s1", "s2")})
    await memory.certificates.review_edition(cohort.edition_id)
    assert _issued_to(memory) == [cohort.participant_ids[0]]


async def test_an_undone_check_in_revokes_and_a_new_one_reissues_the_same_reference() -> None:
    memory, cohort = in_memory(), Cohort("ed-undo")
    pid = cohort.participant_ids[0]
    await _story(memory, cohort, {0: ("s1", "s2")})
    reference = memory.certificates.reference(cohort.edition_id, pid)
    assert (await memory.certificates.verify(reference)).valid

    await memory.deliver(cohort.undone(pid, "s2"))
    revoked = await memory.certificates.verify(reference)
    assert revoked.state == CertificateState.REVOKED
    assert revoked.revocation_reason == RevocationReason.ATTENDANCE_INCOMPLETE
    assert isinstance(memory.store.events()[-1], CertificateRevoked)

    # The check-in redelivered is older than its undoing: it changes nothing.
    await memory.deliver(cohort.attended(pid, "s2"))
    assert not (await memory.certificates.verify(reference)).valid

    count = await memory.certificates.count_absence(cohort.edition_id, pid, "s2", "ill", "pm")
    assert count.session_id == "s2"
    assert (await memory.certificates.verify(reference)).valid
    assert [type(e).__name__ for e in memory.store.events()] == [
        "CertificateIssued",
        "CertificateRevoked",
        "CertificateIssued",
    ]


async def test_a_place_withdrawn_after_the_end_revokes() -> None:
    memory, cohort = in_memory(), Cohort("ed-lapse")
    await _story(memory, cohort, {0: ("s1", "s2")})
    await memory.deliver(cohort.rejected())
    event = memory.store.events()[-1]
    assert isinstance(event, CertificateRevoked)
    assert event.reason == RevocationReason.NOT_SELECTED


async def test_an_absence_counts_only_for_a_session_of_the_edition() -> None:
    memory, cohort = in_memory(), Cohort("ed-count")
    await _story(memory, cohort, {0: ("s1",)})
    with pytest.raises(UnknownSession) as refused:
        await memory.certificates.count_absence(
            cohort.edition_id, cohort.participant_ids[0], "s9", "ill", "pm"
        )
    assert refused.value.known == ["s1", "s2"]
    assert memory.store.events() == []


async def test_a_made_up_reference_does_not_verify() -> None:
    memory, cohort = in_memory(), Cohort("ed-fake")
    await _story(memory, cohort, {0: ("s1", "s2")})
    real = memory.certificates.reference(cohort.edition_id, cohort.participant_ids[0])
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    with pytest.raises(UnknownCertificate):
        await memory.certificates.verify(forged)
    assert (await memory.certificates.verify(real.lower())).reference == real


@pytest.mark.parametrize(
    ("participant", "language", "words"),
    [
        (0, Language.FR, ("Attestation de participation", "Atelier 1", "Atelier 2")),
        (1, Language.EN, ("Certificate of attendance", "Workshop 1", "Workshop 2")),
    ],
)
async def test_the_pdf_names_the_holder_and_the_sessions(
    participant: int, language: Language, words: tuple[str, ...]
) -> None:
    memory, cohort = in_memory(), Cohort("ed-pdf")
    await _story(memory, cohort, {participant: ("s1", "s2")})
    pid = cohort.participant_ids[participant]
    certificate = await memory.certificates.verify(
        memory.certificates.reference(cohort.edition_id, pid)
    )
    text = _text(await memory.certificates.pdf(certificate, language))
    for expected in (NAMES[participant], certificate.reference, *words):
        assert expected in text


async def test_the_sweep_issues_once_the_last_session_has_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    memory, cohort = in_memory(), Cohort("ed-sweep", ended=False)
    await _story(memory, cohort, {0: ("s1", "s2"), 1: ("s1", "s2")})
    await memory.certificates.review_ended_editions()
    assert memory.store.events() == []

    after_the_end = cohort.start + timedelta(days=3)
    monkeypatch.setattr(certificates_handler, "now", lambda: after_the_end)
    await memory.certificates.review_ended_editions()
    await memory.certificates.review_ended_editions()
    assert sorted(_issued_to(memory)) == sorted(cohort.participant_ids[:2])
    assert await memory.cohort.unreviewed_editions() == []
