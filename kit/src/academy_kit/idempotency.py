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
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from academy_kit import outbox
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


async def first_result(
    collection: AsyncCollection[Document], key: str, request: BaseModel
) -> Document | None:
    """The document first created under ``key``, if any, provided ``request`` is the same as
    the one that created it (:class:`KeyReused` otherwise); without its outbox entries."""
    first = await collection.find_one(lookup(key), {outbox.OUTBOX: 0})
    return None if first is None else check_replay(first, request)


async def insert_once(
    collection: AsyncCollection[Document], document: Document, key: str | None, request: BaseModel
) -> tuple[Document, bool]:
    """Insert ``document`` recording ``key`` and ``request``'s fingerprint in it; when a
    concurrent retry under the same key got there first, its document and False. Any other
    unique-key conflict is raised for the caller to name."""
    keyed = {**document, **fields(key, request, document["_id"])}
    try:
        await collection.insert_one(keyed)
    except DuplicateKeyError:
        first = await first_result(collection, key, request) if key else None
        if first is None:
            raise
        return first, False
    return keyed, True
