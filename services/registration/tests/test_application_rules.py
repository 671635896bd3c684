"""Fast tier: the application rules through the HTTP API on in-memory stores — each refusal,
its status and its problem body; the link token; amendments and withdrawal and the events they
record. The real-server tier (test_applications.py) proves the same routes on Kafka and the
store."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from academy_contracts import links
from academy_contracts.events import (
    ApplicationSubmitted,
    ApplicationUpdated,
    EditionPublished,
    LinkRequested,
)
from academy_contracts.values import Sex
from academy_registration.domain.applications import ApplicationFilter
from services.registration.tests.support.memory import Registration


async def _count(registration: Registration) -> int:
    return await registration.application_store.count(ApplicationFilter())


async def test_an_ineligible_country_is_refused_listing_the_allowed_ones(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        form = application_form(await open_edition(api, "ed"))
        form["cluster"]["country"] = "FR"
        body = problem(await api.post("/v1/applications", json=form), 422)
    [error] = body["errors"]
    assert error["field"] == "cluster.country"
    assert error["allowed"] == ["DZ", "EG", "JO", "LB", "MA", "PS", "TN"]
    assert await _count(registration) == 0


async def test_an_ineligible_sector_is_refused_listing_the_allowed_ones(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        form = application_form(await open_edition(api, "ed"))
        form["cluster"]["sector"] = "textile"
        [error] = problem(await api.post("/v1/applications", json=form), 422)["errors"]
    assert error["field"] == "cluster.sector"
    assert set(error["allowed"]) == {
        "health",
        "aeronautics_mechanics",
        "maritime_logistics",
        "energy_environment",
    }
    assert await _count(registration) == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f["participants"][1].update(role="cluster_manager"), "one cluster_manager"),
        (lambda f: f["participants"][2].update(email="KARIM@pole-sante.tn"), "distinct emails"),
        (lambda f: f["participants"].pop(), "at least 3 items"),
    ],
    ids=["two-managers", "duplicate-email", "two-participants"],
)
async def test_the_team_must_be_one_manager_and_two_board_members_with_distinct_emails(
    open_edition: Any, application_form: Any, problem: Any, change: Any, message: str
) -> None:
    registration = Registration()
    async with registration.client() as api:
        form = application_form(await open_edition(api, "ed"))
        change(form)
        body = problem(await api.post("/v1/applications", json=form), 422)
    assert body["errors"][0]["field"] == "participants"
    assert message in body["errors"][0]["message"]
    assert await _count(registration) == 0


async def test_the_eccp_profile_and_the_declarations_are_checked(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        form = application_form(edition)
        form["cluster"]["eccp_profile_url"] = "not a url"
        del form["can_advance_costs"]
        body = problem(await api.post("/v1/applications", json=form), 422)
        fields = {e["field"] for e in body["errors"]}
        assert fields == {"cluster.eccp_profile_url", "can_advance_costs"}
        form = application_form(edition, motivations="x" * 5001)
        body = problem(await api.post("/v1/applications", json=form), 422)
    assert body["errors"][0]["field"] == "motivations"
    assert await _count(registration) == 0


async def test_the_eccp_registration_is_an_id_or_a_profile_url_on_the_platform(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        by_url = application_form(edition)
        del by_url["cluster"]["eccp_id"]
        by_url["cluster"]["eccp_profile_url"] = (
            "https://www.clustercollaboration.eu/cluster-organisations/cluster-sante-sfax/"
        )
        created = await api.post("/v1/applications", json=by_url)
        assert created.status_code == 201, created.text
        assert created.json()["cluster"]["eccp_id"] == "cluster-sante-sfax"
        same = application_form(edition, "cluster-sante-sfax")
        problem(await api.post("/v1/applications", json=same), 409)

        elsewhere = application_form(edition)
        elsewhere["cluster"]["eccp_profile_url"] = "https://example.com/cluster-organisations/x"
        [error] = problem(await api.post("/v1/applications", json=elsewhere), 422)["errors"]
        assert error["field"] == "cluster.eccp_profile_url"
        assert "clustercollaboration.eu" in error["message"]
        neither = application_form(edition)
        del neither["cluster"]["eccp_id"], neither["cluster"]["eccp_profile_url"]
        [error] = problem(await api.post("/v1/applications", json=neither), 422)["errors"]
    assert error["field"] == "cluster"
    assert "European Cluster Collaboration Platform" in error["message"]
    assert await _count(registration) == 1


async def test_after_the_deadline_an_application_is_refused_quoting_it(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        closed = await open_edition(api, "closed", registration_deadline="2023-10-15T23:59:59")
        body = problem(await api.post("/v1/applications", json=application_form(closed)), 422)
    assert body["type"].endswith("registration-closed")
    assert "15 October 2023, 23:59 Europe/Paris (2023-10-15T21:59:59Z)" in body["detail"]
    assert body["deadline"] == "2023-10-15T21:59:59+00:00"
    assert await _count(registration) == 0


async def test_the_first_edition_is_closed_since_its_deadline(
    application_form: Any, problem: Any
) -> None:
    registration = Registration()
    await registration.editions.seed_first_edition()
    await registration.editions.seed_first_edition()  # at every start: still one
    async with registration.client() as api:
        first = (await api.get("/v1/editions/2023")).json()
        body = problem(await api.post("/v1/applications", json=application_form("2023")), 422)
    assert first["registration_deadline"] == "2023-10-15T21:59:59Z"
    assert first["title"]["fr"].startswith("Académie")
    assert "15 October 2023" in body["detail"]
    assert [e.revision for e in registration.outbox.of_type(EditionPublished)] == [1]


async def test_an_unknown_edition_is_refused_naming_the_open_ones(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    await registration.editions.seed_first_edition()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        body = problem(await api.post("/v1/applications", json=application_form("no-such")), 404)
    assert body["field"] == "edition_id"
    assert body["allowed"] == [edition]  # not 2023: closed


async def test_an_idempotency_key_returns_the_first_result_and_refuses_another_request(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        form = application_form(await open_edition(api, "ed"))
        headers = {"Idempotency-Key": "retry-1"}
        first = await api.post("/v1/applications", json=form, headers=headers)
        again = await api.post("/v1/applications", json=form, headers=headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        other = application_form("ed")
        body = problem(await api.post("/v1/applications", json=other, headers=headers), 422)
    assert body["type"].endswith("idempotency-key-reused")
    assert await _count(registration) == 1


def _token(
    registration: Registration,
    receipt: dict[str, Any],
    person: int,
    scope: links.Scope,
    now: datetime | None = None,
) -> dict[str, str]:
    participant_id = receipt["participants"][person]["participant_id"]
    token = links.issue(
        registration.settings.link_secret,
        receipt["application_id"],
        participant_id,
        scope,
        now=now or datetime.now(UTC),
    )
    return {links.TOKEN_HEADER: token}


def _application_wide(secret: str, application_id: str) -> str:
    """The retired kind of link: an HMAC of the application id."""
    digest = hmac.new(secret.encode(), application_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def test_the_managers_link_manages_and_a_participants_opens_only_their_own_part(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        mine = (await api.post("/v1/applications", json=application_form(edition))).json()
        theirs = (await api.post("/v1/applications", json=application_form(edition))).json()
        url = f"/v1/applications/{mine['application_id']}"
        read = await api.get(mine["link"])
        assert read.status_code == 200
        assert read.json()["cluster"]["eccp_id"] == mine["cluster"]["eccp_id"]
        assert "access_token" not in read.json()
        manager = {links.TOKEN_HEADER: mine["access_token"]}
        assert (await api.get(url, headers=manager)).status_code == 200

        board = _token(registration, mine, 1, links.Scope.PARTICIPANT)
        secret = registration.settings.link_secret.get_secret_value()
        expired = _token(
            registration, mine, 0, links.Scope.MANAGER, datetime.now(UTC) - timedelta(days=400)
        )
        for headers, status, kind in (
            ({links.TOKEN_HEADER: theirs["access_token"]}, 403, "link-other-application"),
            ({}, 401, "link-invalid"),
            ({links.TOKEN_HEADER: mine["access_token"][:-2] + "xx"}, 401, "link-invalid"),
            (expired, 401, "link-expired"),
            (
                {links.TOKEN_HEADER: _application_wide(secret, mine["application_id"])},
                401,
                "link-retired",
            ),
            (board, 403, "link-manager-only"),
        ):
            assert problem(await api.get(url, headers=headers), status)["type"].endswith(kind)
            changes = {"reason": "not theirs"}
            refused = await api.post(f"{url}/withdrawal", json=changes, headers=headers)
            assert problem(refused, status)["type"].endswith(kind)

        odd = await api.get(url, params={"token": "jeton-é"})
        assert problem(odd, 401)["type"].endswith("link-invalid")
        own_id = mine["participants"][1]["participant_id"]
        own = await api.get(f"{url}/participants/{own_id}", headers=board)
        assert own.status_code == 200, own.text
        assert own.json()["participant"] == mine["participants"][1]
        assert "motivations" not in own.json()  # nothing of the application beyond its state
        teammate = mine["participants"][2]["participant_id"]
        refused = await api.get(f"{url}/participants/{teammate}", headers=board)
        assert problem(refused, 403)["type"].endswith("link-other-person")
        french = await api.get(url, headers={**board, "Accept-Language": "fr-FR,fr;q=0.9"})
        assert problem(french, 403)["title"] == "Réservé au gestionnaire"


async def test_a_link_request_says_nothing_and_records_one_event_per_application_of_a_known_address(
    open_edition: Any, application_form: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        receipt = (await api.post("/v1/applications", json=application_form(edition))).json()
        address = receipt["participants"][2]["email"]
        known = await api.post("/v1/links/requests", json={"email": address.upper()})
        unknown = await api.post("/v1/links/requests", json={"email": "nobody@example.org"})
        assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
        assert known.status_code == 202
        for _ in range(3):  # the same address again soon after: accepted, not sent
            again = await api.post("/v1/links/requests", json={"email": address})
            assert again.status_code == 202
    requested = [e for e in registration.outbox.events if isinstance(e, LinkRequested)]
    assert [(e.application_id, e.email) for e in requested] == [
        (receipt["application_id"], address.lower())
    ]


async def test_amendments_keep_participant_ids_and_withdrawal_frees_the_cluster(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        receipt = (await api.post("/v1/applications", json=application_form(edition))).json()
        app_id = receipt["application_id"]
        token = {"X-Application-Token": receipt["access_token"]}
        url = f"/v1/applications/{app_id}"
        changes = application_form(edition, motivations="Sharper motivations after our board met.")
        del changes["edition_id"]
        changes["participants"][0]["email"] = "AMIRA@pole-sante.tn"  # the same person
        changes["participants"][2]["email"] = "nour@pole-sante.tn"
        amended = await api.put(url, json=changes, headers=token)
        assert amended.json()["revision"] == 2
        before = {p["email"].lower(): p["participant_id"] for p in receipt["participants"]}
        after = {p["email"].lower(): p["participant_id"] for p in amended.json()["participants"]}
        assert after["amira@pole-sante.tn"] == before["amira@pole-sante.tn"]
        assert after["nour@pole-sante.tn"] not in before.values()
        assert (await api.put(url, json=changes, headers=token)).json()["revision"] == 2
        problem(await api.put(url, json=changes, headers={"X-Application-Token": "x"}), 401)

        withdrawn = await api.post(f"{url}/withdrawal", json={"reason": "Budget"}, headers=token)
        assert (withdrawn.json()["status"], withdrawn.json()["revision"]) == ("withdrawn", 3)
        assert withdrawn.json()["withdrawal_reason"] == "Budget"
        assert (await api.post(f"{url}/withdrawal", headers=token)).json()["revision"] == 3
        assert (await api.get(url, headers=token)).json() == withdrawn.json()
        body = problem(await api.put(url, json=changes, headers=token), 409)
        assert body["type"].endswith("application-withdrawn")
        again = application_form(edition, receipt["cluster"]["eccp_id"])
        assert (await api.post("/v1/applications", json=again)).status_code == 201

    kinds = [type(e).__name__ for e in registration.outbox.events if e.key == app_id]
    assert kinds == ["ApplicationSubmitted", "ApplicationUpdated", "ApplicationWithdrawn"]
    # Each write with an event kicks the relay with its document; a no-op amendment or
    # withdrawal writes nothing and kicks nothing.
    kicked = [kick for kick in registration.outbox.kicked if kick[1] == app_id]
    assert kicked == [("applications", app_id)] * 3
    [updated] = registration.outbox.of_type(ApplicationUpdated)
    assert updated.motivations == "Sharper motivations after our board met."


async def test_amending_and_withdrawing_after_the_deadline_are_refused(
    open_edition: Any, edition_form: Any, application_form: Any, problem: Any, staff_headers: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        edition = await open_edition(api, "ed")
        receipt = (await api.post("/v1/applications", json=application_form(edition))).json()
        url, token = receipt["link"].split("?")[0], {"X-Application-Token": receipt["access_token"]}
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        closed = edition_form(edition, registration_deadline=past)
        del closed["edition_id"]
        changed = await api.put(
            f"/v1/editions/{edition}", json=closed, headers=staff_headers("admin")
        )
        assert changed.status_code == 200
        changes = application_form(edition)
        del changes["edition_id"]
        problem(await api.put(url, json=changes, headers=token), 422)
        body = problem(await api.post(f"{url}/withdrawal", headers=token), 422)
        assert body["type"].endswith("registration-closed")
        assert (await api.get(url, headers=token)).json()["status"] == "submitted"


async def test_a_participant_may_state_their_sex_or_decline_and_the_event_carries_it(
    open_edition: Any, application_form: Any, problem: Any
) -> None:
    registration = Registration()
    async with registration.client() as api:
        form = application_form(await open_edition(api, "ed"))
        form["participants"][0]["sex"] = "female"
        form["participants"][1]["sex"] = "prefer_not_to_say"
        wrong = application_form(await open_edition(api, "ed2"))
        wrong["participants"][0]["sex"] = "f"
        [error] = problem(await api.post("/v1/applications", json=wrong), 422)["errors"]
        assert error["field"] == "participants.0.sex"
        assert error["allowed"] == ["female", "male", "other", "prefer_not_to_say"]
        assert (await api.post("/v1/applications", json=form)).status_code == 201
    [submitted] = registration.outbox.of_type(ApplicationSubmitted)
    assert [p.sex for p in submitted.participants] == [Sex.FEMALE, Sex.PREFER_NOT_TO_SAY, None]
