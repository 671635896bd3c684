"""Registration's HTTP API on the real store: answers and problem documents."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from academy_registration.entrypoints.main import create_app
from academy_registration.settings import RegistrationSettings

pytestmark = pytest.mark.integration


@pytest.fixture
async def api(service_settings: Any, run_app: Any) -> Any:
    app = create_app(service_settings(RegistrationSettings))
    async with run_app(app) as client:
        client.app = app
        yield client


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def _count(api: Any) -> int:
    count: int = await api.app.state.store.count()
    return count


async def test_an_ineligible_country_is_refused_listing_the_allowed_ones(
    api: Any, uid: str, application_form: Any
) -> None:
    form = application_form(f"ed-{uid}")
    form["cluster"]["country"] = "FR"
    body = _problem(await api.post("/v1/applications", json=form), 422)
    [error] = body["errors"]
    assert error["field"] == "cluster.country"
    assert error["allowed"] == ["DZ", "EG", "JO", "LB", "MA", "PS", "TN"]
    assert await _count(api) == 0


async def test_an_ineligible_sector_is_refused_listing_the_allowed_ones(
    api: Any, uid: str, application_form: Any
) -> None:
    form = application_form(f"ed-{uid}")
    form["cluster"]["sector"] = "textile"
    [error] = _problem(await api.post("/v1/applications", json=form), 422)["errors"]
    assert error["field"] == "cluster.sector"
    assert set(error["allowed"]) == {
        "health",
        "aeronautics_mechanics",
        "maritime_logistics",
        "energy_environment",
    }


async def test_the_team_must_be_one_manager_and_two_board_members(
    api: Any, uid: str, application_form: Any
) -> None:
    form = application_form(f"ed-{uid}")
    form["participants"][1]["role"] = "cluster_manager"
    body = _problem(await api.post("/v1/applications", json=form), 422)
    assert "one cluster_manager and two board_member" in body["errors"][0]["message"]
    assert await _count(api) == 0


async def test_the_same_cluster_cannot_apply_twice_to_one_edition(
    api: Any, uid: str, application_form: Any
) -> None:
    first = await api.post("/v1/applications", json=application_form(f"ed-{uid}", "eccp-x"))
    assert first.status_code == 201
    assert first.headers["location"] == f"/v1/applications/{first.json()['application_id']}"
    body = _problem(
        await api.post("/v1/applications", json=application_form(f"ed-{uid}", "eccp-x")), 409
    )
    assert body["existing_application_id"] == first.json()["application_id"]
    assert await _count(api) == 1
    other_edition = await api.post(
        "/v1/applications", json=application_form(f"ed2-{uid}", "eccp-x")
    )
    assert other_edition.status_code == 201


async def test_operations_endpoints(api: Any) -> None:
    assert (await api.get("/health/live")).json() == {"status": "ok"}
    ready = await api.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"kafka": True, "mongodb": True}
    assert (await api.get("/asyncapi.json")).json()["asyncapi"] == "3.0.0"
    assert "/v1/applications" in (await api.get("/openapi.json")).json()["paths"]
    response = await api.get("/metrics", headers={"X-Correlation-ID": "corr-1"})
    assert "academy_http_requests_total" in response.text
    assert response.headers["x-correlation-id"] == "corr-1"


async def test_readiness_names_the_server_that_does_not_answer(
    servers: Any, uid: str, run_app: Any
) -> None:
    settings = RegistrationSettings(
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=servers.mongodb_uri,
        database=f"t_reg_{uid}",
    )
    async with run_app(create_app(settings)) as client:
        ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"kafka": False, "mongodb": True}
