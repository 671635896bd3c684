"""Every message kind exists in French and in English and renders with the program's facts;
a kind, a language or a code's words missing fails here, not at a send."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from enum import StrEnum
from importlib.resources import files
from typing import Any

import pytest
from jinja2 import UndefinedError

from academy_contracts.values import Country, Currency, Language, Money, Sector
from academy_notification.domain.claims import missing_documents
from academy_notification.domain.digest import ClaimStatus, PendingClaim, digest
from academy_notification.domain.labels import LABELS, label
from academy_notification.domain.messages import Recipient, Template
from academy_notification.domain.program import ProgramFacts
from academy_notification.domain.rendering import Renderer, format_instant, format_money

from .support.story import Story


def samples(story: Story) -> dict[Template, dict[str, Any]]:
    """A context for each kind, as the service builds it from the story's events."""
    selected, claim = story.selected(), story.claimed()
    session = story.session(1, timedelta(days=1))
    pending = PendingClaim(
        claim_id=claim.claim_id,
        status=ClaimStatus.DOCUMENTS_MISSING,
        claimed_at=story.now - timedelta(days=3),
    )
    counts = digest(
        story.now - timedelta(days=1),
        story.now,
        [(Country.TUNISIA, Sector.HEALTH)] * 2 + [(Country.MOROCCO, Sector.MARITIME_LOGISTICS)],
        ["selected", "waitlisted", "rejected", "rejected", "withdrawn"],
        [pending],
    )
    link = f"https://academy.example/applications/{story.application_id}?token=t0k3n"
    deadline = story.edition().registration_deadline
    claimed = {"claim_id": claim.claim_id, "claimed_at": claim.claimed_at}
    return {
        Template.APPLICATION_RECEIVED: {
            "cluster": story.cluster,
            "submitted_at": story.now,
            "deadline": deadline,
            "link": link,
            "manages": True,
        },
        Template.APPLICATION_UPDATED: {
            "cluster": story.cluster,
            "revision": 2,
            "updated_at": story.now,
            "link": link,
            "manages": True,
        },
        Template.APPLICATION_WITHDRAWN: {
            "cluster": story.cluster,
            "reason": "Calendar conflict",
            "withdrawn_at": story.now,
            "deadline": deadline,
        },
        Template.NOT_ELIGIBLE: {
            "cluster": story.cluster,
            "reasons": story.not_eligible().reasons,
            "deadline": deadline,
            "link": link,
            "manages": True,
        },
        Template.SELECTED: {
            "cluster": story.cluster,
            "sessions": story.edition().sessions,
            "offer_deadline": selected.offer_deadline,
            "link": link,
            "manages": True,
        },
        Template.WAITLISTED: {"cluster": story.cluster, "waitlist_rank": 2},
        Template.LINK_REQUESTED: {
            "cluster": story.cluster,
            "requested_at": story.now,
            "link": f"{link}/participants/p1",
            "manages": False,
        },
        Template.NOT_SELECTED: {"cluster": story.cluster, "reason": story.rejected().reason},
        Template.SESSION_REMINDER: {"session": session},
        Template.MISSED_SESSION: {"session": session},
        Template.CLAIM_RECEIVED: {
            **claimed,
            "lines": claim.lines,
            "totals": [Money(amount=Decimal("800.00"), currency=Currency.EUR)],
            "documents_count": 0,
        },
        Template.DOCUMENTS_MISSING: {
            **claimed,
            "missing": missing_documents(
                ["l1 (travel): boarding_pass, ticket", *story.documents_missing().missing],
                claim.lines,
            ),
        },
        Template.REIMBURSEMENT_APPROVED: {
            **claimed,
            "approved": story.approved().approved,
            "eligible": story.approved().eligible,
        },
        Template.REIMBURSEMENT_PAID: {
            **claimed,
            "amount": story.paid().amount,
            "payment_reference": "PAY-1",
            "paid_at": story.now,
        },
        Template.DIGEST: {"digest": counts},
    }


@pytest.fixture
def renderer() -> Renderer:
    return Renderer(ProgramFacts(), "Europe/Paris")


def test_every_kind_has_a_sample() -> None:
    assert set(samples(Story("x"))) == set(Template)


def test_template_files_are_exactly_one_subject_and_body_per_kind_and_language() -> None:
    root = files("academy_notification") / "templates"
    for language in Language:
        names = {p.name for p in (root / language.value).iterdir() if not p.name.startswith("_")}
        expected = {f"{t.value}.{part}.txt" for t in Template for part in ("subject", "body")}
        assert names == expected, language


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("template", list(Template))
def test_every_kind_renders_in_both_languages_with_the_facts(
    renderer: Renderer, template: Template, language: Language
) -> None:
    story = Story("x")
    recipient = Recipient("amira@pole-sante.tn", "Amira Ben Salah", language)
    rendered = renderer.render(
        template, language, {"recipient": recipient, **samples(story)[template]}
    )
    assert "\n" not in rendered.subject
    program = (
        "Académie des clusters Euromed" if language is Language.FR else "Euromed Cluster Academy"
    )
    assert program in rendered.subject
    greeting = "Bonjour" if language is Language.FR else "Dear"
    assert rendered.body.startswith(f"{greeting} Amira Ben Salah,")
    if template is not Template.DIGEST:
        assert "Sarra Boussaïdi" in rendered.body


def test_a_template_missing_a_value_fails_instead_of_rendering_blank(renderer: Renderer) -> None:
    recipient = Recipient("a@b.tn", "A", Language.EN)
    with pytest.raises(UndefinedError, match=r"^'link' is undefined$"):
        renderer.render(
            Template.APPLICATION_RECEIVED,
            Language.EN,
            {
                "recipient": recipient,
                "cluster": Story("x").cluster,
                "submitted_at": Story("x").now,
                "deadline": None,
                "manages": True,
            },
        )


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("enum", list(LABELS))
def test_every_code_has_words_in_both_languages(enum: type[StrEnum], language: Language) -> None:
    for code in enum:
        assert label(code, language).strip()


def test_times_and_amounts_read_as_each_language_writes_them() -> None:
    instant = Story("x").now.replace(year=2023, month=10, day=15, hour=20, minute=0)
    assert (
        format_instant(instant, Language.FR, "Europe/Paris")
        == "15 octobre 2023 à 22:00 (Europe/Paris, UTC+02:00)"
    )
    assert (
        format_instant(instant, Language.EN, "Europe/Paris")
        == "15 October 2023, 22:00 (Europe/Paris, UTC+02:00)"
    )
    winter = instant.replace(month=12, day=31, hour=23, minute=30)
    assert format_instant(winter, Language.FR, "Asia/Amman") == (
        "1er janvier 2024 à 02:30 (Asia/Amman, UTC+03:00)"
    )
    assert format_instant(winter, Language.EN, "America/St_Johns") == (
        "31 December 2023, 20:00 (America/St_Johns, UTC-03:30)"
    )
    assert format_instant(winter, Language.EN, "UTC") == "31 December 2023, 23:30 (UTC, UTC)"
    assert format_money(Decimal("1234.5"), "EUR", Language.FR) == "1\u202f234,50 EUR"
    assert format_money(Decimal("1234.5"), "EUR", Language.EN) == "1,234.50 EUR"


@pytest.mark.parametrize("language", list(Language))
def test_missing_documents_read_as_words_not_codes(renderer: Renderer, language: Language) -> None:
    """The contract's ``<line> (<category>): <kinds>`` becomes the line as claimed and the
    documents' names; a plain sentence from another producer is quoted as it came."""
    claim = Story("x").claimed()
    recipient = Recipient("a@b.tn", "A", language)
    missing = missing_documents(
        ["l1 (travel): boarding_pass, ticket", "Hotel invoice, signed"], claim.lines
    )
    context = {"recipient": recipient, "claim_id": claim.claim_id, "claimed_at": claim.claimed_at}
    body = renderer.render(
        Template.DOCUMENTS_MISSING, language, {**context, "missing": missing}
    ).body
    for code in ("boarding_pass", "l1", "(travel)"):
        assert code not in body
    if language is Language.FR:
        assert "- Flight Tunis-Marseille (voyage, " in body
        assert " : carte d'embarquement, billet\n" in body
    else:
        assert "- Flight Tunis-Marseille (travel, " in body
        assert ": boarding pass, ticket\n" in body
    assert "- Hotel invoice, signed\n" in body


@pytest.mark.parametrize("language", list(Language))
@pytest.mark.parametrize("template", list(Template))
def test_no_subject_shows_an_identifier(
    renderer: Renderer, template: Template, language: Language
) -> None:
    story = Story("x")
    recipient = Recipient("a@b.tn", "A", language)
    context = {"recipient": recipient, **samples(story)[template]}
    subject = renderer.render(template, language, context).subject
    for identifier in (story.claimed().claim_id, story.application_id, story.edition_id, "claim-"):
        assert identifier not in subject


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Algérie Santé", "candidature d'Algérie Santé reçue"),
        ("Hélios Cluster", "candidature d'Hélios Cluster reçue"),
        ("Pôle Santé Sfax", "candidature de Pôle Santé Sfax reçue"),
        ("ecomed", "candidature d'ecomed reçue"),
    ],
)
def test_french_elides_de_before_a_vowel(renderer: Renderer, name: str, expected: str) -> None:
    story = Story("x")
    cluster = story.cluster.model_copy(update={"name": name})
    context = {
        "recipient": Recipient("a@b.tn", "A", Language.FR),
        **samples(story)[Template.APPLICATION_RECEIVED],
    }
    subject = renderer.render(
        Template.APPLICATION_RECEIVED, Language.FR, {**context, "cluster": cluster}
    ).subject
    assert subject.endswith(expected)
