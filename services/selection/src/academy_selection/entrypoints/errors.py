"""Each refusal of the selection service as an RFC 9457 problem naming what is wrong and what
would be accepted: the one place the service's failures meet HTTP."""

from __future__ import annotations

from fastapi import FastAPI

from academy_kit.problems import Problem, ProblemType, install_failures
from academy_selection.domain.failures import (
    CountryConflict,
    DeclaredConflict,
    InvalidScores,
    NoOpenOffer,
    NoPlaceToDecline,
    NotInSelection,
    NotOnCommittee,
    NotPublished,
    NotReviewable,
    NotScreened,
    OfferFailure,
    OfferLapsed,
    RegistrationOpen,
    ReviewFirst,
    ReviewsClosed,
    ReviewsMissing,
    RubricInUse,
    RulesConflict,
    SelectionFailure,
    UnknownApplication,
    UnknownEdition,
)

UNKNOWN_EDITION = ProblemType(404, "unknown-edition", "Unknown edition")
UNKNOWN_APPLICATION = ProblemType(404, "unknown-application", "Unknown application")
RUBRIC_IN_USE = ProblemType(409, "rubric-in-use", "Rubric already in use")
NOT_REVIEWABLE = ProblemType(409, "not-reviewable", "Application not open to review")
SELECTION_PUBLISHED = ProblemType(409, "selection-published", "Selection already published")
NOT_ON_COMMITTEE = ProblemType(403, "not-on-committee", "Not on the edition's committee")
CONFLICT_OF_INTEREST = ProblemType(403, "conflict-of-interest", "Conflict of interest")
INVALID_SCORES = ProblemType(422, "validation", "Invalid request")
REVIEW_FIRST = ProblemType(403, "review-first", "Review first")
REGISTRATION_OPEN = ProblemType(409, "registration-open", "Registration still open")
REVIEWS_MISSING = ProblemType(409, "reviews-missing", "Applications not reviewed enough")
RULES_CONFLICT = ProblemType(409, "rules-conflict", "Balance rules cannot all hold")
NOT_PUBLISHED = ProblemType(404, "not-published", "Selection not published")
NOT_IN_SELECTION = ProblemType(404, "not-in-selection", "Offer cannot change")
NOT_SCREENED = ProblemType(404, "not-screened", "Application not screened yet")


def problem(exc: Exception) -> Problem:
    match exc:
        case UnknownEdition():
            return UNKNOWN_EDITION(
                f"No edition {exc.edition_id!r} has been published to the selection service.",
                edition_id=exc.edition_id,
            )
        case UnknownApplication():
            return UNKNOWN_APPLICATION(
                f"No application {exc.application_id!r} has reached the selection service.",
                application_id=exc.application_id,
            )
        case NotScreened():
            return NOT_SCREENED(
                f"Application {exc.application_id!r} has not been screened yet: it is screened "
                "as soon as the selection service knows its edition.",
                application_id=exc.application_id,
            )
        case RubricInUse():
            return RUBRIC_IN_USE(
                "Reviews were submitted on the current criteria; send them unchanged.",
                field="criteria",
                criteria=exc.criteria,
            )
        case NotReviewable():
            screening = exc.application.screening
            return NOT_REVIEWABLE(
                "Only eligible applications still in the running are reviewed.",
                application_status=exc.application.status,
                screening=None if screening is None else screening.model_dump(mode="json"),
            )
        case ReviewsClosed():
            return SELECTION_PUBLISHED(
                f"The selection of edition {exc.edition_id!r} is published; reviews are closed."
            )
        case NotOnCommittee():
            return NOT_ON_COMMITTEE(
                f"{exc.reviewer!r} is not on the committee of edition {exc.edition_id!r}: an "
                "admin lists the reviewers in the edition's review policy.",
                reviewer=exc.reviewer,
                committee=exc.committee,
            )
        case CountryConflict():
            return CONFLICT_OF_INTEREST(
                f"Reviewers do not review clusters of their own country ({exc.country})."
            )
        case DeclaredConflict():
            return CONFLICT_OF_INTEREST(
                f"A conflict of interest between {exc.reviewer!r} and application "
                f"{exc.application_id!r} is declared: they do not review it."
            )
        case InvalidScores():
            return INVALID_SCORES(
                "Invalid value for: " + ", ".join(str(e["field"]) for e in exc.errors),
                errors=exc.errors,
            )
        case ReviewFirst():
            return REVIEW_FIRST(
                "Other reviews are shown once you have submitted your own review of this "
                "application."
            )
        case RegistrationOpen():
            return REGISTRATION_OPEN(
                "The selection is published after the registration deadline, when no more "
                "applications can arrive.",
                registration_deadline=exc.deadline.isoformat(),
            )
        case ReviewsMissing():
            return REVIEWS_MISSING(
                f"{len(exc.unranked)} eligible application(s) have fewer reviews than the "
                "policy asks; they cannot be ranked yet.",
                unranked=[vars(u) for u in exc.unranked],
            )
        case RulesConflict():
            return RULES_CONFLICT(
                "Change the rules, or publish with accept_relaxations to keep to the nearest "
                "rules that can hold.",
                conflicts=exc.conflicts,
                relaxations=[vars(r) for r in exc.relaxations],
            )
        case NotPublished():
            return NOT_PUBLISHED(
                f"The selection of edition {exc.edition_id!r} is not published yet: there is "
                "no offer."
            )
        case OfferFailure():
            return _offer_problem(exc)
    raise exc


def _offer_problem(exc: OfferFailure) -> Problem:
    match exc:
        case NotInSelection():
            return NOT_IN_SELECTION(
                f"Application {exc.application_id!r} has no decision in the selection."
            )
        case NoOpenOffer():
            kind = "no-open-offer"
            detail = f"There is no open offer to confirm: the cluster is {exc.status}."
        case OfferLapsed():
            kind, detail = "offer-lapsed", f"The offer lapsed at {exc.deadline.isoformat()}."
        case NoPlaceToDecline():
            kind = "no-place-to-decline"
            detail = f"The cluster holds no place to decline: it is {exc.status}."
        case _:
            raise exc
    return Problem(409, kind, "Offer cannot change", detail, decision_status=exc.status)


def install(app: FastAPI) -> None:
    install_failures(app, SelectionFailure, problem)
