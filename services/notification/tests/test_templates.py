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
    link = f"https://academy.example/v1/applications/{story.application_id}?token=t0k3n"
    return {
        Template.APPLICATION_RECEIVED: {
            "cluster": story.cluster,
            "submitted_at": story.now,
            "link": link,
        },
        Template.APPLICATION_UPDATED: {
            "cluster": story.cluster,
            "revision": 2,
            "updated_at": story.now,
            "link": link,
        },
        Template.APPLICATION_WITHDRAWN: {
            "cluster": story.cluster,
            "reason": "Calendar conflict",
            "withdrawn_at": story.now,
        },
        Template.NOT_ELIGIBLE: {
            "cluster": story.cluster,
            "reasons": story.not_eligible().reasons,
            "link": link,
        },
        Template.SELECTED: {
            "cluster": story.cluster,
            "sessions": story.edition().sessions,
            "offer_deadline": selected.offer_deadline,
            "link": link,
        },
        Template.WAITLISTED: {"cluster": story.cluster, "waitlist_rank": 2},
        Template.NOT_SELECTED: {"cluster": story.cluster, "reason": story.rejected().reason},
        Template.SESSION_REMINDER: {"session": session},
        Template.MISSED_SESSION: {"session": session},
        Template.CLAIM_RECEIVED: {
            "claim_id": claim.claim_id,
            "lines": claim.lines,
            "totals": [Money(amount=Decimal("800.00"), currency=Currency.EUR)],
            "documents_count": 0,
        },
        Template.DOCUMENTS_MISSING: {
            "claim_id": claim.claim_id,
            "missing": story.documents_missing().missing,
        },
        Template.REIMBURSEMENT_APPROVED: {
            "claim_id": claim.claim_id,
            "approved": story.approved().approved,
            "eligible": story.approved().eligible,
        },
        Template.REIMBURSEMENT_PAID: {
            "claim_id": claim.claim_id,
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
            {"recipient": recipient, "cluster": Story("x").cluster, "submitted_at": Story("x").now},
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
        == "15 octobre 2023 à 22:00 (Europe/Paris)"
    )
    assert (
        format_instant(instant, Language.EN, "Europe/Paris")
        == "15 October 2023, 22:00 (Europe/Paris)"
    )
    assert format_money(Decimal("1234.5"), "EUR", Language.FR) == "1\u202f234,50 EUR"
    assert format_money(Decimal("1234.5"), "EUR", Language.EN) == "1,234.50 EUR"
