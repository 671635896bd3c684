"""The funder's report on an edition, for the program manager: JSON, or CSV for the funder's
templates (one figure per row, named by what it counts and by its dimensions)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Depends, Response

from academy_documents.domain.report import FunderReport
from academy_documents.entrypoints.api.deps import ReportsDep, admin_only
from academy_kit.web import csv_response

router = APIRouter(prefix="/v1", tags=["report"], dependencies=[Depends(admin_only)])

COLUMNS = ("measure", "country", "sector", "sex", "session", "category", "currency", "value")


@router.get("/editions/{edition_id}/report", responses={409: {}})
async def read_report(edition_id: str, reports: ReportsDep) -> FunderReport:
    """Applications, eligibility, selection, participants by country, sector and sex,
    attendance and completion, and the money claimed, reimbursed and paid."""
    return await reports.report(edition_id)


def _rows(report: FunderReport) -> Iterator[tuple[object, ...]]:
    blank = ("",) * 5
    for measure in (
        "applications",
        "withdrawn",
        "eligible",
        "selected",
        "confirmed",
        "participants",
        "completed",
        "completion_rate",
    ):
        yield (measure, *blank, "", getattr(report, measure))
    for group in report.participants_by_country_sector_sex:
        yield (
            "participants",
            group.country,
            group.sector,
            group.sex,
            "",
            "",
            "",
            group.participants,
        )
    for session in report.attendance:
        yield ("present", "", "", "", session.session_id, "", "", session.present)
    for claimed in report.claimed:
        yield (
            "claimed",
            claimed.country,
            "",
            "",
            "",
            claimed.category,
            claimed.currency,
            claimed.amount,
        )
    for country in report.reimbursed:
        for measure in ("eligible_eur", "reimbursed_eur", "paid_eur"):
            yield (measure, country.country, "", "", "", "", "EUR", getattr(country, measure))
    delay = report.claim_to_payment
    for measure in ("paid_claims", "mean_days", "median_days", "longest_days"):
        yield (f"claim_to_payment_{measure}", *blank, "", getattr(delay, measure))


@router.get(
    "/editions/{edition_id}/report.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, 409: {}},
)
async def download_report(edition_id: str, reports: ReportsDep) -> Response:
    report = await reports.report(edition_id)
    return csv_response(f"report-{edition_id}.csv", COLUMNS, _rows(report), bom=True)
