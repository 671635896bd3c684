"""HTTP routes of the selection service: staff (admin, committee) run reviews and the
selection; an applicant answers their offer with their link token. Each route parses,
authorises, calls one handler and shapes the answer; refusals are the domain's failures, turned
into problems by ``errors.py``."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from academy_contracts import links
from academy_contracts.events import ClusterProfile, OfferActor
from academy_contracts.roles import Role
from academy_contracts.values import BoundedText, ShortText
from academy_kit import web
from academy_kit.auth import StaffMember, StaffOnly
from academy_kit.web import LinkToken
from academy_selection.domain.applications import Screening
from academy_selection.domain.balance import Relaxation
from academy_selection.domain.report import BalanceReport
from academy_selection.domain.reviews import Conflict, Review, ReviewerProgress, ReviewPolicy
from academy_selection.domain.selection import (
    BalancePolicy,
    Decision,
    DecisionStatus,
    Selection,
    Unranked,
)
from academy_selection.handlers.offers import Offers
from academy_selection.handlers.publishing import Publishing
from academy_selection.handlers.reviews import Reviewing

router = APIRouter(prefix="/v1")

Admin = Annotated[StaffMember, Depends(StaffOnly(Role.ADMIN))]
Committee = Annotated[StaffMember, Depends(StaffOnly(Role.COMMITTEE))]
Staff = Annotated[StaffMember, Depends(StaffOnly(Role.ADMIN, Role.COMMITTEE))]


Reviews = Annotated[Reviewing, Depends(web.wired("reviewing", Reviewing))]
Selections = Annotated[Publishing, Depends(web.wired("publishing", Publishing))]
OfferAnswers = Annotated[Offers, Depends(web.wired("offers", Offers))]

_bearer = HTTPBearer(auto_error=False, description="An admin token: `academy-token --role admin`")
_admin = StaffOnly(Role.ADMIN)


async def _offer_actor(
    request: Request,
    application_id: str,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    token: LinkToken,
) -> OfferActor:
    """The cluster manager with their personal link, or an admin acting for them; a
    participant's link, or another application's, is refused (:class:`links.LinkRefused`)."""
    if token is not None:
        grant = links.check(request.app.state.settings.link_secret, token, application_id)
        grant.opens_application(application_id, manage=True)
        return OfferActor.APPLICANT
    await _admin(request, credentials)
    return OfferActor.STAFF


Actor = Annotated[OfferActor, Depends(_offer_actor)]


# Review policy and balance rules


@router.put("/editions/{edition_id}/review-policy", tags=["reviews"])
async def set_review_policy(
    edition_id: str, policy: ReviewPolicy, reviews: Reviews, _: Admin
) -> ReviewPolicy:
    """Set the rubric (named, weighted criteria, each on its scale), the reviews an
    application needs before it can be ranked, and the conflict-of-interest rule. The criteria
    are fixed once the first review is in (409)."""
    return await reviews.set_review_policy(edition_id, policy)


@router.get("/editions/{edition_id}/review-policy", tags=["reviews"])
async def review_policy(edition_id: str, reviews: Reviews, _: Staff) -> ReviewPolicy:
    """The edition's review policy (the defaults until an admin sets one)."""
    return await reviews.review_policy(edition_id)


@router.put("/editions/{edition_id}/balance-rules", tags=["selection"])
async def set_balance_rules(
    edition_id: str, rules: BalancePolicy, selections: Selections, _: Admin
) -> BalancePolicy:
    """Set per-country and per-sector minimums and maximums of selected clusters; those left
    out keep the default (half to twice an even share). Answers every rule in force."""
    return await selections.set_balance(edition_id, rules)


@router.get("/editions/{edition_id}/balance-rules", tags=["selection"])
async def balance_rules(edition_id: str, selections: Selections, _: Staff) -> BalancePolicy:
    """Every balance rule in force for the edition, defaults included."""
    return await selections.balance(edition_id)


# Reviews


class ReviewForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scores: dict[str, int] = Field(description="One mark per criterion of the rubric")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None


class QueueItem(BaseModel):
    application_id: str
    cluster: ClusterProfile
    motivations: str
    expectations: str
    reviews: int
    my_review: Review | None


@router.get("/editions/{edition_id}/review-queue", tags=["reviews"])
async def review_queue(edition_id: str, reviews: Reviews, member: Committee) -> list[QueueItem]:
    """The eligible applications the calling committee member may review, with their own
    review: clusters of their own country (when the conflict-of-interest rule is on) and
    applications under a declared conflict left out. Only the edition's committee has a
    queue (403 otherwise)."""
    return [
        QueueItem(
            application_id=entry.application.application_id,
            cluster=entry.application.cluster,
            motivations=entry.application.motivations,
            expectations=entry.application.expectations,
            reviews=entry.reviews,
            my_review=entry.mine,
        )
        for entry in await reviews.queue(edition_id, member.subject)
    ]


@router.put(
    "/applications/{application_id}/reviews/mine",
    tags=["reviews"],
    responses={
        201: {"description": "The caller's first review of the application"},
        403: {"description": "Not on the edition's committee, or a conflict of interest"},
        409: {"description": "Not open to review, or the selection is published"},
        422: {"description": "Scores that do not fit the rubric"},
    },
)
async def put_my_review(
    application_id: str, form: ReviewForm, response: Response, reviews: Reviews, member: Committee
) -> Review:
    """Submit (or revise, until the selection is published) the caller's review: one mark
    within its scale for every criterion of the edition's rubric."""
    review, created = await reviews.review(
        application_id, member.subject, form.scores, form.comment
    )
    if created:
        response.status_code = status.HTTP_201_CREATED
    return review


@router.get(
    "/applications/{application_id}/reviews",
    tags=["reviews"],
    responses={403: {"description": "The committee member has not reviewed it yet"}},
)
async def reviews_of(application_id: str, reviews: Reviews, member: Staff) -> list[Review]:
    """Every review of the application: to an admin, and to a committee member who has
    submitted their own."""
    return await reviews.reviews_of(
        application_id, member.subject, sees_all=Role.ADMIN in member.roles
    )


class ConflictForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] | None = None


_DECLARED: dict[int | str, dict[str, Any]] = {
    200: {"description": "Declared before: the first declaration, unchanged"},
    201: {"description": "The conflict, now declared"},
    409: {"description": "The selection is published"},
}


@router.put(
    "/applications/{application_id}/recusal",
    tags=["reviews"],
    status_code=status.HTTP_201_CREATED,
    responses={**_DECLARED, 403: {"description": "Not on the edition's committee"}},
)
async def recuse(
    application_id: str,
    response: Response,
    reviews: Reviews,
    member: Committee,
    form: ConflictForm | None = None,
) -> Conflict:
    """The caller recuses themselves from the application (a conflict of interest they
    declare): it leaves their review queue, they cannot review it, and a review they gave it
    no longer counts."""
    reason = None if form is None else form.reason
    conflict, created = await reviews.recuse(application_id, member.subject, reason)
    if not created:
        response.status_code = status.HTTP_200_OK
    return conflict


@router.put(
    "/applications/{application_id}/conflicts/{reviewer}",
    tags=["reviews"],
    status_code=status.HTTP_201_CREATED,
    responses=_DECLARED,
)
async def record_conflict(
    application_id: str,
    reviewer: ShortText,
    response: Response,
    reviews: Reviews,
    member: Admin,
    form: ConflictForm | None = None,
) -> Conflict:
    """Record a conflict of interest between a reviewer (their token's subject) and the
    application's cluster: the reviewer no longer sees it, cannot review it, and a review they
    gave it no longer counts."""
    reason = None if form is None else form.reason
    conflict, created = await reviews.record_conflict(
        application_id, reviewer, member.subject, reason
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return conflict


class ProgressOut(BaseModel):
    min_reviews: int
    reviewers: list[ReviewerProgress]
    awaiting: list[Unranked]


@router.get("/editions/{edition_id}/review-progress", tags=["reviews"])
async def review_progress(edition_id: str, reviews: Reviews, _: Staff) -> ProgressOut:
    """Each reviewer's progress, and the eligible applications still short of reviews."""
    found = await reviews.progress(edition_id)
    return ProgressOut(
        min_reviews=found.min_reviews, reviewers=found.reviewers, awaiting=found.awaiting
    )


# Selection


class Preview(BaseModel):
    feasible: bool
    conflicts: list[list[str]] = Field(
        description="Sets of rules that cannot hold together (empty when all can)"
    )
    relaxations: list[Relaxation] = Field(
        description="The nearest rules that can hold: each rule moved, and how far"
    )
    objective: Decimal
    capacity: int
    rules: BalancePolicy
    selected: list[Decision]
    waitlist: list[Decision]
    rejected: list[Decision]
    unranked: list[Unranked] = Field(description="Eligible applications short of reviews")


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_period: timedelta = Field(
        default=timedelta(days=14),
        gt=timedelta(0),
        le=timedelta(days=90),
        description="How long a selected cluster has to confirm (ISO 8601 duration or seconds)",
    )
    accept_relaxations: bool = Field(
        default=False,
        description="When the balance rules cannot all hold, publish under the nearest ones "
        "that can",
    )


@router.post("/editions/{edition_id}/selection/preview", tags=["selection"])
async def preview(edition_id: str, selections: Selections, _: Admin) -> Preview:
    """A dry run: what publishing now would decide, and why. Changes nothing."""
    draft = await selections.preview(edition_id)
    outcome = draft.outcome
    return Preview(
        feasible=outcome.feasible,
        conflicts=[list(c) for c in outcome.conflicts],
        relaxations=list(outcome.relaxations),
        objective=outcome.objective,
        capacity=draft.rules.capacity,
        rules=BalancePolicy.of(draft.rules),
        selected=draft.of_status(DecisionStatus.OFFERED),
        waitlist=draft.of_status(DecisionStatus.WAITLISTED),
        rejected=draft.of_status(DecisionStatus.REJECTED),
        unranked=draft.unranked,
    )


@router.post(
    "/editions/{edition_id}/selection",
    tags=["selection"],
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "Already published: the same selection, and no new event"},
        409: {
            "description": "Registration still open, applications short of reviews, or "
            "balance rules that cannot all hold (with the conflicts and the relaxation)"
        },
    },
)
async def publish(
    edition_id: str,
    response: Response,
    selections: Selections,
    member: Admin,
    body: PublishRequest | None = None,
) -> Selection:
    """Publish the selection once: ClusterSelected (with the offer deadline),
    ClusterWaitlisted and ClusterRejected go out for every cluster. Publishing again answers
    200 with the selection already published and emits nothing."""
    body = body or PublishRequest()
    selection, created = await selections.publish(
        edition_id,
        member.subject,
        offer_period=body.offer_period,
        accept_relaxations=body.accept_relaxations,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return selection


@router.get("/editions/{edition_id}/selection", tags=["selection"])
async def published_selection(edition_id: str, selections: Selections, _: Staff) -> Selection:
    """The published selection as it stands: offers, confirmations, waitlist, rejections."""
    return await selections.selection(edition_id)


@router.post("/editions/{edition_id}/selection/close-waitlist", tags=["selection"])
async def close_waitlist(edition_id: str, offers: OfferAnswers, _: Admin) -> Selection:
    """End promotions: every cluster still waitlisted gets ClusterRejected (not_selected)."""
    return await offers.close_waitlist(edition_id)


# Offers


@router.get("/applications/{application_id}/offer", tags=["offers"])
async def offer(application_id: str, offers: OfferAnswers, _: Actor) -> Decision:
    """The cluster's decision: its offer and deadline, its waitlist place, or why it has no
    place."""
    return await offers.decision(application_id)


@router.get(
    "/applications/{application_id}/screening",
    tags=["offers"],
    responses={404: {"description": "Unknown application, or not screened yet"}},
)
async def screening(application_id: str, offers: OfferAnswers, _: Actor) -> Screening:
    """Whether the application's latest revision is eligible and, if not, every rule it
    breaks as a stable code (``reasons``) that the pages put in plain words."""
    return await offers.screening(application_id)


@router.post("/applications/{application_id}/offer/confirm", tags=["offers"])
async def confirm_offer(application_id: str, offers: OfferAnswers, actor: Actor) -> Decision:
    """Confirm the cluster's place before the offer deadline (→ OfferConfirmed); confirming
    again changes nothing."""
    return await offers.confirm(application_id, actor)


class DeclineForm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: BoundedText | None = Field(
        default=None, description="Why the cluster gives up its place, for the project manager"
    )


@router.post("/applications/{application_id}/offer/decline", tags=["offers"])
async def decline_offer(
    application_id: str, offers: OfferAnswers, _: Actor, form: DeclineForm | None = None
) -> Decision:
    """Give up the cluster's place (→ ClusterRejected offer_declined); the best waitlisted
    cluster that keeps the balance rules is offered it (→ ClusterSelected). Declining again
    changes nothing, not even the reason."""
    return await offers.decline(application_id, form.reason if form else None)


# Report


@router.get("/editions/{edition_id}/report", tags=["selection"])
async def report(edition_id: str, selections: Selections, _: Staff) -> BalanceReport:
    """Applications, eligible, selected and waitlisted clusters per country and sector."""
    return await selections.report(edition_id)
