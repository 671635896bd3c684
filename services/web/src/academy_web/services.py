"""The services' public HTTP APIs, as this front calls them (httpx). Nothing here knows a
page: each call returns the service's JSON or raises :class:`Refused` with its problem+json
document, which the pages show next to the fields it names."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from typing import Any

import httpx

from academy_contracts.links import TOKEN_HEADER
from academy_web.settings import WebSettings

Json = dict[str, Any]

log = logging.getLogger(__name__)

FORWARDED_FOR = "X-Forwarded-For"
visitor_address: ContextVar[str | None] = ContextVar("visitor_address", default=None)
"""The address of the visitor whose page is being served (set for each request by the app): every
call sends it as ``X-Forwarded-For``, so the services, which trust this front, limit each
visitor's anonymous writes on their own rather than all of them as the front's one address."""


class Refused(Exception):
    """A service answered 4xx: ``problem`` is its RFC 9457 document."""

    def __init__(self, status: int, problem: Json) -> None:
        super().__init__(problem.get("detail") or problem.get("title") or status)
        self.status = status
        self.problem = problem

    @property
    def kind(self) -> str:
        """The problem's type without the URN prefix, e.g. ``registration-closed``."""
        return str(self.problem.get("type", "")).rsplit(":", 1)[-1]

    @property
    def errors(self) -> list[Json]:
        return list(self.problem.get("errors") or [])


class Unavailable(Exception):
    """A service did not answer, or answered 5xx: the page says so and keeps what was typed."""


class Services:
    """One pooled HTTP client per service, closed with the app."""

    def __init__(self, settings: WebSettings, transport: httpx.AsyncBaseTransport | None = None):
        timeout = httpx.Timeout(settings.service_timeout_seconds)
        self._clients = {
            name: httpx.AsyncClient(base_url=url, timeout=timeout, transport=transport)
            for name, url in (
                ("registration", settings.registration_url),
                ("selection", settings.selection_url),
                ("notification", settings.notification_url),
                ("reimbursement", settings.reimbursement_url),
                ("documents", settings.documents_url),
            )
        }

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

    async def _call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        token: str | None = None,
        **kwargs: Any,
    ) -> Any:
        response = await self._send(service, method, path, token=token, **kwargs)
        return None if response.status_code == 202 else response.json()

    async def _send(
        self, service: str, method: str, path: str, *, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        """The service's answer, or :class:`Refused` (4xx) or :class:`Unavailable` (no answer,
        5xx)."""
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers[TOKEN_HEADER] = token
        visitor = visitor_address.get()
        if visitor is not None:
            headers[FORWARDED_FOR] = visitor
        try:
            response = await self._clients[service].request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as error:
            raise Unavailable(f"{service}: {error}") from error
        if response.status_code >= 500:
            raise Unavailable(f"{service} answered {response.status_code}")
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {"status": response.status_code, "title": response.text[:200]}
            raise Refused(response.status_code, problem if isinstance(problem, dict) else {})
        return response

    async def as_staff(
        self, service: str, method: str, path: str, bearer: str, **kwargs: Any
    ) -> Any:
        """A staff route, called with the role token the console minted for the person signed
        in (:mod:`academy_web.staff.access`)."""
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {bearer}"}
        return await self._call(service, method, path, headers=headers, **kwargs)

    async def staff_file(self, service: str, path: str, bearer: str) -> httpx.Response:
        """A file a staff route serves (a supporting document, a transfer file), as the
        service answered it: the console passes its bytes and type on to the browser."""
        headers = {"Authorization": f"Bearer {bearer}"}
        return await self._send(service, "GET", path, headers=headers)

    async def live(self) -> dict[str, bool]:
        """Which services answer their liveness probe (this front's readiness)."""
        answers = {}
        for name, client in self._clients.items():
            try:
                answers[name] = (await client.get("/health/live", timeout=3)).status_code == 200
            except httpx.HTTPError:
                answers[name] = False
        return answers

    # registration

    async def editions(self) -> list[Json]:
        return list(await self._call("registration", "GET", "/v1/editions"))

    async def edition(self, edition_id: str) -> Json:
        return dict(await self._call("registration", "GET", f"/v1/editions/{edition_id}"))

    async def submit_application(self, body: Json, idempotency_key: str) -> Json:
        headers = {"Idempotency-Key": idempotency_key}
        return dict(
            await self._call("registration", "POST", "/v1/applications", json=body, headers=headers)
        )

    async def application(self, application_id: str, token: str) -> Json:
        path = f"/v1/applications/{application_id}"
        return dict(await self._call("registration", "GET", path, token=token))

    async def amend_application(self, application_id: str, token: str, body: Json) -> Json:
        path = f"/v1/applications/{application_id}"
        return dict(await self._call("registration", "PUT", path, token=token, json=body))

    async def withdraw_application(self, application_id: str, token: str, reason: str) -> Json:
        path = f"/v1/applications/{application_id}/withdrawal"
        body = {"reason": reason} if reason.strip() else None
        return dict(await self._call("registration", "POST", path, token=token, json=body))

    async def participant(self, application_id: str, participant_id: str, token: str) -> Json:
        """The participant's own part of the application (their link opens nothing more)."""
        path = f"/v1/applications/{application_id}/participants/{participant_id}"
        return dict(await self._call("registration", "GET", path, token=token))

    async def request_links(self, email: str) -> None:
        """Ask registration to send the address's personal links again; it answers the same
        (202) whether the address is known or not."""
        await self._call("registration", "POST", "/v1/links/requests", json={"email": email})

    async def register_company(self, body: Json, idempotency_key: str) -> Json:
        headers = {"Idempotency-Key": idempotency_key}
        return dict(
            await self._call("registration", "POST", "/v1/companies", json=body, headers=headers)
        )

    # selection

    async def decision(self, application_id: str, token: str) -> Json | None:
        """Where the cluster stands in the published selection; None before it is published."""
        return await self._part_of_page(
            "selection", f"/v1/applications/{application_id}/offer", token
        )

    async def screening(self, application_id: str, token: str) -> Json | None:
        """Whether the application's latest revision was found eligible, and why not; None
        before it is screened."""
        path = f"/v1/applications/{application_id}/screening"
        return await self._part_of_page("selection", path, token)

    async def _part_of_page(self, service: str, path: str, token: str) -> Json | None:
        """What ``path`` answers; None when it has nothing yet (404) or ``service`` does not
        answer: the page then opens without that part (amend, withdraw, the participants
        still work) rather than an error for a part the visitor may not need."""
        try:
            return dict(await self._call(service, "GET", path, token=token))
        except Refused as refusal:
            if refusal.status == 404:
                return None
            raise
        except Unavailable as down:
            log.warning("%s is left out of the page: %s", path, down)
            return None

    async def confirm_offer(self, application_id: str, token: str) -> Json:
        path = f"/v1/applications/{application_id}/offer/confirm"
        return dict(await self._call("selection", "POST", path, token=token))

    async def decline_offer(self, application_id: str, token: str, reason: str) -> Json:
        path = f"/v1/applications/{application_id}/offer/decline"
        body = {"reason": reason} if reason.strip() else None
        return dict(await self._call("selection", "POST", path, token=token, json=body))

    # reimbursement

    def _participant(self, application_id: str, participant_id: str) -> str:
        return f"/v1/applications/{application_id}/participants/{participant_id}"

    async def claim(self, application_id: str, participant_id: str, token: str) -> Json | None:
        try:
            path = self._participant(application_id, participant_id) + "/claim"
            return dict(await self._call("reimbursement", "GET", path, token=token))
        except Refused as refusal:
            if refusal.status == 404 and refusal.kind != "forbidden":
                return None
            raise

    async def documents(self, application_id: str, participant_id: str, token: str) -> list[Json]:
        path = self._participant(application_id, participant_id) + "/documents"
        return list(await self._call("reimbursement", "GET", path, token=token))

    async def upload_document(
        self,
        application_id: str,
        participant_id: str,
        token: str,
        *,
        kind: str,
        filename: str,
        content: bytes,
        media_type: str,
    ) -> Json:
        path = self._participant(application_id, participant_id) + "/documents"
        files = {"file": (filename, content, media_type)}
        return dict(
            await self._call(
                "reimbursement", "POST", path, token=token, data={"kind": kind}, files=files
            )
        )

    async def submit_claim(
        self, application_id: str, participant_id: str, token: str, body: Json
    ) -> Json:
        path = self._participant(application_id, participant_id) + "/claim"
        return dict(await self._call("reimbursement", "POST", path, token=token, json=body))

    # documents

    async def letter(self, application_id: str, participant_id: str, token: str) -> Json | None:
        """The participant's current visa letter (reference, version, date); None before they
        asked for one, or while the documents service does not answer."""
        path = self._participant(application_id, participant_id) + "/visa-letter"
        return await self._part_of_page("documents", path, token)

    async def request_letter(
        self, application_id: str, participant_id: str, token: str, body: Json, language: str
    ) -> Json:
        """Ask for the participant's visa letter in ``language``; refusals come back in it."""
        path = self._participant(application_id, participant_id) + "/visa-letter"
        headers = {"Accept-Language": language}
        body = {**body, "language": language}
        return dict(
            await self._call("documents", "POST", path, token=token, json=body, headers=headers)
        )

    async def letter_pdf(self, application_id: str, participant_id: str, token: str) -> bytes:
        path = self._participant(application_id, participant_id) + "/visa-letter.pdf"
        return (await self._send("documents", "GET", path, token=token)).content
