"""Which messages each event causes, to whom and in which language, without a store: the
drafting rules' cases (the fast tier)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from academy_contracts import links
from academy_contracts.events import ClusterRejected, LinkRequested, RejectionReason
from academy_contracts.values import Currency, Language, Money
from academy_notification.domain.drafting import Known, Links, Team, drafts, totals
from academy_notification.domain.messages import Draft, Template

from .support.story import Story

ISSUED_AT = datetime.now(UTC).replace(microsecond=0)  # the token check reads the real clock
LINKS = Links("https://academy.example/applications/", SecretStr("s" * 32)).at(ISSUED_AT)


def _team(story: Story) -> Team:
    return Team(story.cluster, story.participants)


def _addressed(found: list[Draft] | None) -> list[Draft]:
    assert found is not None, "the event should be addressed"
    return found


def test_a_submission_is_acknowledged_to_each_participant_in_their_language() -> None:
    story = Story("a")
    found = _addressed(drafts(story.submitted(), Known(), LINKS))
    assert [(d.template, d.recipient.email, d.recipient.language) for d in found] == [
        (Template.APPLICATION_RECEIVED, story.email(n), story.participants[n].language)
        for n in range(3)
    ]
    assert all(d.application_id == story.application_id for d in found)
    secret, page = (
        SecretStr("s" * 32),
        f"https://academy.example/applications/{story.application_id}",
    )
    for draft, person in zip(found, story.participants, strict=True):
        address, query = str(draft.context["link"]).split("?")
        [token] = parse_qs(query)["token"]
        grant = links.check(secret, token, story.application_id)
        assert (grant.participant_id, grant.expires_at) == (
            person.participant_id,
            ISSUED_AT + links.DEFAULT_LIFETIME,
        )
        if person.role == "cluster_manager":
            assert (address, grant.scope, draft.context["manages"]) == (page, "manager", True)
        else:
            own = f"{page}/participants/{person.participant_id}"
            assert (address, grant.scope, draft.context["manages"]) == (own, "participant", False)


def test_each_link_opens_the_page_in_its_persons_preferred_language() -> None:
    """A French participant's link asks for the French page and an English one's for the
    English page, whatever language the browser that opens it prefers."""
    story = Story("g")
    found = _addressed(drafts(story.selected(), Known(edition=story.edition()), LINKS))
    languages = {d.recipient.language for d in found}
    assert languages == {Language.FR, Language.EN}
    for draft in found:
        query = parse_qs(urlsplit(str(draft.context["link"])).query)
        assert query["lang"] == [draft.recipient.language.value]
        assert str(draft.context["link"]).endswith(f"&lang={draft.recipient.language.value}")


def test_a_link_request_mails_fresh_links_only_to_the_persons_at_that_address() -> None:
    story = Story("l")
    asked = story.participants[1]
    event = LinkRequested(
        application_id=story.application_id,
        edition_id=story.edition_id,
        email=str(asked.email).upper(),
        requested_at=ISSUED_AT,
    )
    assert drafts(event, Known(), LINKS) is None
    found = _addressed(drafts(event, Known(team=_team(story)), LINKS))
    assert [(d.template, d.recipient.email) for d in found] == [
        (Template.LINK_REQUESTED, str(asked.email).lower())
    ]
    assert f"/participants/{asked.participant_id}?token=" in found[0].context["link"]


def test_withdrawal_and_screening_write_to_the_team_the_service_remembers() -> None:
    story = Story("b")
    assert drafts(story.withdrawn(), Known(), LINKS) is None
    assert drafts(story.not_eligible(), Known(), LINKS) is None
    known = Known(team=_team(story))
    withdrawn = _addressed(drafts(story.withdrawn(), known, LINKS))
    assert {d.template for d in withdrawn} == {Template.APPLICATION_WITHDRAWN}
    assert {d.recipient.email for d in withdrawn} == {story.email(n) for n in range(3)}
    screened = _addressed(drafts(story.not_eligible(), known, LINKS))
    assert [d.context["reasons"] for d in screened] == [story.not_eligible().reasons] * 3


def test_an_eligible_screening_and_a_rejection_for_ineligibility_cause_no_message() -> None:
    story = Story("c")
    eligible = story.not_eligible().model_copy(update={"eligible": True, "reasons": []})
    assert drafts(eligible, Known(team=_team(story)), LINKS) == []
    ineligible = story.rejected().model_copy(update={"reason": RejectionReason.NOT_ELIGIBLE})
    assert drafts(ineligible, Known(), LINKS) == []


@pytest.mark.parametrize(
    "reason",
    [r for r in RejectionReason if r is not RejectionReason.NOT_ELIGIBLE],
)
def test_every_other_rejection_tells_the_team_why(reason: RejectionReason) -> None:
    story = Story("d")
    event: ClusterRejected = story.rejected().model_copy(update={"reason": reason})
    found = _addressed(drafts(event, Known(), LINKS))
    assert [(d.template, d.context["reason"]) for d in found] == [
        (Template.NOT_SELECTED, reason)
    ] * 3


def test_a_selection_quotes_the_editions_sessions_and_the_offer_deadline() -> None:
    story = Story("e")
    edition = story.edition()
    found = _addressed(drafts(story.selected(), Known(edition=edition), LINKS))
    assert {d.template for d in found} == {Template.SELECTED}
    for draft in found:
        assert draft.context["sessions"] == edition.sessions
        assert draft.context["offer_deadline"] == story.selected().offer_deadline


def test_claim_steps_go_to_the_claiming_participant_only() -> None:
    story = Story("f")
    known = Known(team=_team(story))
    for event in (story.claimed(1), story.documents_missing(1), story.approved(1), story.paid(1)):
        found = _addressed(drafts(event, known, LINKS))
        assert [d.recipient.email for d in found] == [story.email(1)]
        assert found[0].recipient.language is Language.FR
        assert found[0].context["claim_id"] == event.claim_id
    stranger = story.paid(1).model_copy(update={"participant_id": "someone-else"})
    assert drafts(stranger, known, LINKS) is None
    assert drafts(story.paid(1), Known(), LINKS) is None


def test_a_check_in_and_an_edition_cause_no_message() -> None:
    story = Story("g")
    assert drafts(story.attended(0, "s1"), Known(team=_team(story)), LINKS) == []
    assert drafts(story.edition(), Known(), LINKS) == []


def test_totals_are_summed_per_currency_in_the_order_currencies_appear() -> None:
    def money(amount: str, currency: Currency) -> Money:
        return Money(amount=Decimal(amount), currency=currency)

    amounts = [
        money("10.50", Currency.TND),
        money("100", Currency.EUR),
        money("0.50", Currency.TND),
    ]
    assert totals(amounts) == [money("11.00", Currency.TND), money("100", Currency.EUR)]
    assert totals([]) == []
