"""Fast tier: an admin's erasure request on in-memory stores — the event it records, and its
refusals in the admin's language."""

from __future__ import annotations

from typing import Any

from academy_contracts.events import PersonalDataErased
from services.registration.tests.support.memory import Registration


async def test_an_admin_erases_a_participant_by_id_and_the_event_names_no_personal_data(
    open_edition: Any, application_form: Any, staff_headers: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        receipt = (
            await api.post("/v1/applications", json=application_form(await open_edition(api, "ed")))
        ).json()
        person = receipt["participants"][1]
        answer = await api.post(
            f"/v1/applications/{receipt['application_id']}/erasures",
            json={"participant_ids": [person["participant_id"]]},
            headers=staff_headers("admin"),
        )
    assert answer.status_code == 202, answer.text
    assert answer.json()["message"]["fr"].startswith("Effacement enregistré")
    [event] = registration.outbox.of_type(PersonalDataErased)
    assert event.participant_ids == [person["participant_id"]]
    body = event.model_dump_json()
    assert person["email"] not in body
    assert person["full_name"] not in body


async def test_an_unknown_participant_is_refused_in_french_when_the_admin_reads_french(
    open_edition: Any, application_form: Any, staff_headers: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        receipt = (
            await api.post("/v1/applications", json=application_form(await open_edition(api, "ed")))
        ).json()
        path = f"/v1/applications/{receipt['application_id']}/erasures"
        ask = {"participant_ids": ["nobody"]}
        french = {**staff_headers("admin"), "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
        in_french = await api.post(path, json=ask, headers=french)
        in_english = await api.post(path, json=ask, headers=staff_headers("admin"))
        unknown = await api.post("/v1/applications/none/erasures", json=ask, headers=french)
    body = problem(in_french, 404)
    assert body["title"] == "Participant inconnu"
    assert in_french.headers["content-language"] == "fr"
    assert body["allowed"] == [p["participant_id"] for p in receipt["participants"]]
    assert problem(in_english, 404)["title"] == "Unknown participant"
    assert problem(unknown, 404)["title"] == "Candidature introuvable"
    assert registration.outbox.of_type(PersonalDataErased) == []
