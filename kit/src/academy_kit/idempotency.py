"""``Idempotency-Key`` on creating POSTs: a retry returns the first result and writes nothing;
and the request fingerprint that tells a retry from a different request.

The key lives in the created document itself (a unique index), so recording it costs no second
write. A document created without a key gets a unique placeholder, since a unique index admits
one missing value only. The fingerprint of the request body tells a retry from a reuse of the
key for a different request, which is refused.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from academy_kit.mongo import Document

KEY = "idempotency_key"
FINGERPRINT = "request_fingerprint"


class KeyReused(Exception):
    """The key was first used with a different request body."""


def fingerprint(request: BaseModel) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def fields(key: str | None, request: BaseModel, document_id: str) -> Document:
    return {KEY: f"key:{key}" if key else f"none:{document_id}", FINGERPRINT: fingerprint(request)}


def lookup(key: str) -> Document:
    return {KEY: f"key:{key}"}


def check_replay(document: Document, request: BaseModel) -> Document:
    """``document``, created under the same key, if ``request`` is the same as its first one."""
    if document.get(FINGERPRINT) != fingerprint(request):
        raise KeyReused
    return document
