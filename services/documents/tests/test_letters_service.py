"""A visa letter on the real Kafka and FerretDB: once the documents service has read that the
cluster is selected and confirmed, a participant asks for a letter through their own link and
downloads a PDF whose text holds their name, passport number and the sessions' dates; a bad
passport number is refused in French, and a teammate's link is refused, changing nothing."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from babel.dates import format_date
from pypdf import PdfReader

from academy_contracts import links
from academy_documents.settings import DocumentsSettings

from .support.cohort import NAMES, Cohort
from .test_service import SAMPLES

pytestmark = pytest.mark.integration


async def test_a_participant_asks_for_a_visa_letter_and_downloads_it(
    service: httpx.AsyncClient, send: Any, eventually: Any, problem: Any, uid: str
) -> None:
    cohort = Cohort(f"ed-{uid}", ended=False)
    await send(cohort.edition(), cohort.selected(), cohort.confirmed())
    app, (pid, teammate, _) = cohort.application_id, cohort.participant_ids
    token = links.issue(
        DocumentsSettings().link_secret, app, pid, links.Scope.PARTICIPANT, now=datetime.now(UTC)
    )
    path = f"/v1/applications/{app}/participants/{pid}/visa-letter"
    form = {
        "passport_number": "X1234567",
        "nationality": "TN",
        "date_of_birth": "1985-04-12",
        "passport_expires_on": (datetime.now(UTC).date() + timedelta(days=900)).isoformat(),
    }
    french = {"Accept-Language": "fr-FR,fr;q=0.9", "X-Application-Token": token}

    async def made() -> dict[str, Any] | None:
        answer = await service.post(path, json=form, headers=french)
        return answer.json() if answer.status_code == 200 else None

    letter = await eventually(made)  # once the service has read the confirmation
    assert (letter["version"], letter["language"]) == (1, "fr")

    bad = problem(
        await service.post(path, json={**form, "passport_number": "12#"}, headers=french), 422
    )
    assert bad["errors"][0]["field"] == "passport_number"
    assert bad["errors"][0]["message"].startswith("Un numéro de passeport")
    theirs = f"/v1/applications/{app}/participants/{teammate}/visa-letter"
    problem(await service.post(theirs, json=form, headers=french), 403)
    assert (await service.get(path, headers=french)).json() == letter

    pdf = await service.get(f"{path}.pdf", params={"token": token})
    assert pdf.headers["content-type"] == "application/pdf"
    SAMPLES.mkdir(parents=True, exist_ok=True)
    (SAMPLES / "visa-letter-fr.pdf").write_bytes(pdf.content)
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    zone = ZoneInfo("Europe/Paris")
    days = [
        format_date((cohort.start + timedelta(days=d)).astimezone(zone), "long", locale="fr")
        for d in (1, 2)
    ]
    for expected in (NAMES[0], "X1234567", letter["reference"], *days):
        assert expected in text
