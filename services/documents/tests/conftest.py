"""Documents' fixture: the running service on the real servers, reading only the events sent
from now on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from academy_documents.entrypoints.main import create_app
from academy_documents.settings import DocumentsSettings
from academy_kit.subscriptions import topics_of

from .support.service import in_memory

CONSUMED = [topic.value for topic in topics_of(in_memory().table())]
"""The topics the service reads, as its subscription table names them."""


@pytest.fixture
async def service(
    service_settings: Any, run_app: Any, start_at_the_end: Any
) -> AsyncIterator[httpx.AsyncClient]:
    settings = service_settings(DocumentsSettings)
    await start_at_the_end(settings, CONSUMED)
    app: FastAPI = create_app(settings)
    async with run_app(app) as client:
        yield client
