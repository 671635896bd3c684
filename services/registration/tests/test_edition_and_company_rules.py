"""Fast tier: what an edition and a company registration must say, on in-memory stores."""

from __future__ import annotations

from typing import Any

from academy_contracts.events import CompanyRegistered, EditionPublished
from services.registration.tests.support.memory import Registration


async def test_an_edition_is_created_once_and_changed_revision_by_revision(
    edition_form: Any, staff_headers: Any, problem: Any
) -> None:
    registration = Registration()
    admin = staff_headers("admin")
    async with registration.client() as api:
        form = edition_form("ed", registration_deadline="2030-03-01T18:00:00")
        created = await api.post("/v1/editions", json=form, headers=admin)
        assert created.json()["registration_deadline"] == "2030-03-01T17:00:00Z"  # Paris, winter
        assert created.headers["location"] == "/v1/editions/ed"
        body = problem(await api.post("/v1/editions", json=form, headers=admin), 409)
        assert body["field"] == "edition_id"
        del form["edition_id"]
        form["capacity"] = 28
        changed = await api.put("/v1/editions/ed", json=form, headers=admin)
        assert (changed.json()["revision"], changed.json()["capacity"]) == (2, 28)
        body = problem(await api.put("/v1/editions/nope", json=form, headers=admin), 404)
        assert (body["field"], body["allowed"]) == ("edition_id", ["ed"])
    revisions = [e.revision for e in registration.outbox.of_type(EditionPublished)]
    assert revisions == [1, 2]


async def test_edition_input_is_checked(
    edition_form: Any, staff_headers: Any, problem: Any
) -> None:
    registration = Registration()
    admin = staff_headers("admin")
    async with registration.client() as api:
        bad_zone = edition_form("ed", time_zone="Mars/Olympus")
        body = problem(await api.post("/v1/editions", json=bad_zone, headers=admin), 422)
        assert body["errors"][0]["field"] == "time_zone"
        form = edition_form("ed")
        form["sessions"][1]["session_id"] = "s1"
        body = problem(await api.post("/v1/editions", json=form, headers=admin), 422)
        assert "distinct" in body["errors"][0]["message"]
        form = edition_form("ed")
        form["sessions"][0]["ends_at"] = form["sessions"][0]["starts_at"]
        body = problem(await api.post("/v1/editions", json=form, headers=admin), 422)
        assert "ends after it starts" in body["errors"][0]["message"]
    assert registration.outbox.events == []


async def test_a_company_registers_once_per_idempotency_key(
    open_edition: Any, staff_headers: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        form = {
            "company_name": "Provence Robotique",
            "country": "FR",
            "sector": "aeronautics_mechanics",
            "edition_id": edition,
            "contact": {"full_name": "Luc Martin", "email": "luc@pr.fr", "language": "fr"},
        }
        key = {"Idempotency-Key": "company-1"}
        first = await api.post("/v1/companies", json=form, headers=key)
        again = await api.post("/v1/companies", json=form, headers=key)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json() == again.json()
        other = {**form, "company_name": "Autre"}
        body = problem(await api.post("/v1/companies", json=other, headers=key), 422)
        assert body["field"] == "Idempotency-Key"
        body = problem(await api.post("/v1/companies", json={**form, "country": "ZZ"}), 422)
        assert body["errors"][0]["field"] == "country"
        problem(await api.post("/v1/companies", json={**form, "edition_id": "nope"}), 404)
        await api.post("/v1/companies", json={**form, "country": "TN", "company_name": "Sfax"})
        listed = await api.get(
            "/v1/companies", params={"country": "TN"}, headers=staff_headers("admin")
        )
        assert [c["company_name"] for c in listed.json()["items"]] == ["Sfax"]
        assert listed.json()["total"] == 1
        bad = await api.get(
            "/v1/companies", params={"country": "tn"}, headers=staff_headers("admin")
        )
        assert bad.status_code == 422
    assert len(registration.outbox.of_type(CompanyRegistered)) == 2
