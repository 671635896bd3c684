"""The committee's pages: my review queue for an edition (what is left, what is mine, my
progress), and one application with the rubric form; the others' reviews once mine is in.

Selection decides what a member may see: its queue already leaves out the applications a
member has a conflict of interest with, and it refuses others' reviews before one's own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from academy_contracts.roles import Role
from academy_web.i18n import N_
from academy_web.pages.call import edition_view
from academy_web.pages.common import posted, services
from academy_web.services import Json, Refused
from academy_web.staff.console import Allowed, as_staff, redirect, render
from academy_web.staff.sessions import Person

router = APIRouter(prefix="/staff/reviews")
DEFAULT_CRITERIA = {
    "motivations": (N_("Motivations"), N_("Why the cluster wants to take part")),
    "expectations": (N_("Expectations"), N_("What the cluster expects to gain and share")),
}
"""Selection's default rubric in words: an edition's own criteria are shown as named."""
REFUSALS = {
    403: N_("You may not review this application: a conflict of interest is recorded."),
    409: N_("This application is no longer open to review. Nothing was saved."),
    422: N_("The marks do not fit the rubric. Nothing was saved."),
}
ADMITTED = Allowed(Role.COMMITTEE)
Member = Annotated[Person, Depends(ADMITTED)]


async def _queue(request: Request, person: Person, edition_id: str) -> list[Json]:
    path = f"/v1/editions/{edition_id}/review-queue"
    return list(await as_staff(request, person, "selection", "GET", path))


async def _edition(request: Request, edition_id: str) -> dict[str, Any]:
    try:
        return edition_view(await services(request).edition(edition_id), datetime.now(UTC))
    except Refused as refusal:
        raise HTTPException(404) from refusal


@router.get("")
async def queue(request: Request, person: Member, edition: str = "", done: str = "") -> Response:
    if not edition:
        now = datetime.now(UTC)
        editions = [edition_view(e, now) for e in await services(request).editions()]
        editions.sort(key=lambda e: e["deadline"], reverse=True)
        return render(request, "staff/reviews_pick.html", person, editions=editions)
    view = await _edition(request, edition)
    try:
        items = await _queue(request, person, edition)
    except Refused as refusal:
        if refusal.kind != "not-on-committee":
            raise
        return render(request, "staff/reviews.html", person, 403, edition=view, off_committee=True)
    items.sort(key=lambda i: (i["my_review"] is not None, i["reviews"], i["cluster"]["name"]))
    return render(
        request,
        "staff/reviews.html",
        person,
        edition=view,
        items=items,
        mine=sum(1 for i in items if i["my_review"]),
        done=done,
        off_committee=False,
    )


async def _review_page(
    request: Request,
    person: Person,
    edition_id: str,
    application_id: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    view = await _edition(request, edition_id)
    queue = await _queue(request, person, edition_id)
    item = next((i for i in queue if i["application_id"] == application_id), None)
    if item is None:
        raise HTTPException(404)
    policy = await as_staff(
        request, person, "selection", "GET", f"/v1/editions/{edition_id}/review-policy"
    )
    others: list[Json] = []
    if item["my_review"]:
        path = f"/v1/applications/{application_id}/reviews"
        others = [
            r
            for r in await as_staff(request, person, "selection", "GET", path)
            if r["reviewer"] != person.email
        ]
    mine = item["my_review"] or {}
    if values is None:
        values = {name: str(score) for name, score in (mine.get("scores") or {}).items()}
        values["comment"] = mine.get("comment") or ""
    gettext = request.app.state.staff.gettext
    criteria = [
        {
            **c,
            "label": gettext(DEFAULT_CRITERIA[c["name"]][0])
            if c["name"] in DEFAULT_CRITERIA
            else c["name"].replace("_", " ").capitalize(),
            "hint": gettext(DEFAULT_CRITERIA[c["name"]][1])
            if c["name"] in DEFAULT_CRITERIA
            and c.get("description") == DEFAULT_CRITERIA[c["name"]][1]
            else c.get("description") or "",
        }
        for c in policy["criteria"]
    ]
    return render(
        request,
        "staff/review.html",
        person,
        status_code,
        edition=view,
        item=item,
        criteria=criteria,
        others=others,
        values=values,
        errors=errors or {},
    )


@router.get("/{application_id}")
async def review_page(
    request: Request, person: Member, application_id: str, edition: str
) -> Response:
    return await _review_page(request, person, edition, application_id)


@router.post("/{application_id}")
async def submit_review(request: Request, person: Member, application_id: str) -> Response:
    form = await posted(request)
    edition_id = str(form.get("edition") or "")
    try:
        policy = await as_staff(
            request, person, "selection", "GET", f"/v1/editions/{edition_id}/review-policy"
        )
    except Refused as refusal:  # an edition selection does not know: no such page
        raise HTTPException(404) from refusal
    values = {c["name"]: str(form.get(f"score.{c['name']}") or "") for c in policy["criteria"]}
    values["comment"] = str(form.get("comment") or "").strip()
    gettext = request.app.state.staff.gettext
    errors = {
        f"score.{name}": gettext("Give a mark for this criterion.")
        for name, value in values.items()
        if name != "comment" and not value.isdigit()
    }
    if not errors:
        body = {
            "scores": {k: int(v) for k, v in values.items() if k != "comment"},
            "comment": values["comment"] or None,
        }
        try:
            await as_staff(
                request,
                person,
                "selection",
                "PUT",
                f"/v1/applications/{application_id}/reviews/mine",
                json=body,
            )
        except Refused as refusal:
            errors = {"form": gettext(REFUSALS.get(refusal.status, REFUSALS[422]))}
    if errors:
        return await _review_page(
            request,
            person,
            edition_id,
            application_id,
            values=values,
            errors=errors,
            status_code=422,
        )
    return redirect(request, f"/staff/reviews?edition={edition_id}&done={application_id}", person)
