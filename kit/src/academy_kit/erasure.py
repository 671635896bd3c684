"""Honouring PersonalDataErased: every service anonymises the people it names wherever its own
database holds them, and keeps a tombstone so that no later event brings them back.

**Where a person is.** A mapping, at any depth of any document, whose ``participant_id`` is an
erased person's owns the personal fields beneath it (:data:`PERSONAL`: names, emails, phones,
bank details, identity documents, file names); they are replaced by placeholders that still
pass the models' validation (an email stays an address, at the reserved domain
:data:`ERASED_DOMAIN`), so every page and export keeps working and counts and amounts stay as
they were. The original values then lead to every other copy: any string anywhere in the
database containing one (a mail's body and recipient, a webhook delivery's payload, a pending
outbox entry) has it replaced. Binary content in a document the person owns, or in a document
sharing its ``_id`` in another collection (as uploaded files are stored beside their
metadata), is emptied.

**Why a scan of the whole database.** Each service copies people into projections, mail
records, delivery logs and outbox entries; a list of collections to visit would be one more
thing to forget when a collection is added. Erasure is a rare administrative act, so two reads
of the service's database per erasure are an acceptable price for finding every copy.

**Tombstone.** ``erased_people`` holds, per application, the erased ids and the SHA-256 of each
erased value with its placeholder (never the value itself). Every event about an erased
application is anonymised before the service's handlers see it, so a late or redelivered event,
or a replay of the topics into an empty database, writes placeholders, never the person: by id
where the event names them (a submission), by fingerprint where it carries only a value (a
mail's recipient).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from academy_contracts.envelope import Envelope
from academy_contracts.events import IntegrationEvent, PersonalDataErased
from academy_kit.mongo import Document, document_lock
from academy_kit.subscriptions import EventHandler, Subscriptions

TOMBSTONES = "erased_people"
ERASED_NAME = "[effacé · erased]"
ERASED_DOMAIN = "erased.example"
"""Reserved for examples by RFC 2606, so no mail to a placeholder can reach anyone."""
ERASED_TEXT = "ERASED"
ERASED_DATE = "1900-01-01"
_MIN_FOUND = 3
"""Shorter values (an initial) are not looked for inside other text."""


def erased_email(participant_id: str) -> str:
    """The placeholder address of an erased person: distinct per person, as teams require."""
    return f"{participant_id}@{ERASED_DOMAIN}"


def is_erased_address(email: str) -> bool:
    return email.strip().lower().endswith(f"@{ERASED_DOMAIN}")


PERSONAL: Mapping[str, Callable[[str], str | None]] = {
    "full_name": lambda _: ERASED_NAME,
    "beneficiary_name": lambda _: ERASED_NAME,
    "recipient_name": lambda _: ERASED_NAME,
    "email": erased_email,
    "recipient": erased_email,
    "phone": lambda _: None,
    "iban": lambda _: None,
    "account_number": lambda _: ERASED_TEXT,
    "filename": lambda _: ERASED_TEXT,
    "passport_number": lambda _: ERASED_TEXT,
    "nationality": lambda _: ERASED_TEXT,
    "date_of_birth": lambda _: ERASED_DATE,
}
"""The personal fields of a mapping an erased person owns, and each one's placeholder given the
person's id. Placeholders keep records well formed where a model reads them back: a bank
account keeps a number, a passport a number and a date of birth."""


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


@dataclasses.dataclass
class _Found:
    """What one pass found: each original value with its placeholder in text."""

    values: dict[str, str] = dataclasses.field(default_factory=dict)

    def add(self, original: Any, placeholder: str | None) -> None:
        text = placeholder if placeholder is not None else ERASED_TEXT
        value = original.strip() if isinstance(original, str) else ""
        if len(value) >= _MIN_FOUND and value != text:
            # also as JSON writes it with non-ASCII escaped (a webhook delivery's body)
            for spelling in {value, json.dumps(value)[1:-1]}:
                self.values[spelling.lower()] = text


def _owned_fields(value: Any, erased: set[str], owner: str | None, found: _Found) -> Any:
    """``value`` with the personal fields of erased people replaced, recording the originals."""
    if isinstance(value, Mapping):
        pid = value.get("participant_id")
        owner = pid if isinstance(pid, str) and pid in erased else owner
        out: dict[str, Any] = {}
        for key, item in value.items():
            if owner is not None and key in PERSONAL:
                out[key] = PERSONAL[key](owner)
                found.add(item, out[key])
            elif owner is not None and isinstance(item, bytes):
                out[key] = b""
            else:
                out[key] = _owned_fields(item, erased, owner, found)
        return out
    if isinstance(value, list):
        return [_owned_fields(item, erased, owner, found) for item in value]
    return value


class _Text:
    """Replaces erased values inside any string: known originals where they stand as whole
    words (a name inside another word is someone else's text), and whole strings whose
    fingerprint the tombstone holds."""

    def __init__(self, originals: Mapping[str, str], fingerprints: Mapping[str, str]) -> None:
        self._originals, self._fingerprints = originals, fingerprints
        ordered = sorted(originals, key=len, reverse=True)
        self._pattern = (
            re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, ordered))})(?!\w)", re.IGNORECASE)
            if ordered
            else None
        )

    def rewritten(self, value: Any, empty_binaries: bool = False) -> Any:
        if isinstance(value, Mapping):
            return {key: self.rewritten(item, empty_binaries) for key, item in value.items()}
        if isinstance(value, list):
            return [self.rewritten(item, empty_binaries) for item in value]
        if isinstance(value, bytes) and empty_binaries:
            return b""
        if isinstance(value, str):
            whole = self._fingerprints.get(fingerprint(value))
            if whole is not None:
                return whole
            if self._pattern is not None:
                return self._pattern.sub(lambda m: self._originals[m.group(0).lower()], value)
        return value


def anonymised(
    document: Mapping[str, Any], erased: set[str], fingerprints: Mapping[str, str]
) -> dict[str, Any]:
    """``document`` (an event's data) with the erased people's data replaced (pure)."""
    found = _Found()
    owned = _owned_fields(document, erased, None, found)
    return dict(_Text(found.values, fingerprints).rewritten(owned))


async def is_erased(db: AsyncDatabase[Document], application_id: str, person_id: str) -> bool:
    """Whether ``person_id`` of ``application_id`` is erased in this service's database (one
    read by ``_id``: its tombstone)."""
    tombstone = await db[TOMBSTONES].find_one({"_id": application_id}, {"participant_ids": 1})
    return tombstone is not None and person_id in tombstone.get("participant_ids", [])


class Eraser:
    """Erases people from one service's database and keeps them erased (see the module doc)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db
        self._tombstones = db[TOMBSTONES]

    async def _collections(self) -> list[str]:
        names = await self._db.list_collection_names()
        return sorted(n for n in names if n != TOMBSTONES and not n.startswith("system."))

    async def erase(self, envelope: Envelope[PersonalDataErased]) -> None:
        """Record the tombstone, then anonymise every copy of the people in the database.
        Running it again (a redelivery, a replay) finds only placeholders and changes nothing."""
        event = envelope.data
        tombstone = await self._tombstones.find_one_and_update(
            {"_id": event.application_id},
            {
                "$addToSet": {"participant_ids": {"$each": list(event.participant_ids)}},
                "$setOnInsert": {"edition_id": event.edition_id, "fingerprints": {}},
            },
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        assert tombstone is not None  # upserted
        erased = set(tombstone["participant_ids"])
        found, owners = _Found(), set()
        names = await self._collections()
        for name in names:
            async for doc in self._db[name].find({}):
                _owned_fields(doc, erased, None, found)
                if doc.get("participant_id") in erased:
                    owners.add(doc["_id"])
        fingerprints = {
            **tombstone.get("fingerprints", {}),
            **{fingerprint(original): text for original, text in found.values.items()},
        }
        await self._tombstones.update_one(
            {"_id": event.application_id}, {"$set": {"fingerprints": fingerprints}}
        )
        text = _Text(found.values, fingerprints)
        for name in names:
            collection = self._db[name]
            async for doc in collection.find({}):
                new = text.rewritten(
                    _owned_fields(doc, erased, None, _Found()), doc["_id"] in owners
                )
                await _rewrite(collection, doc, new)

    async def redacted(self, envelope: Envelope[IntegrationEvent]) -> Envelope[IntegrationEvent]:
        """``envelope`` with the people erased from its application anonymised (itself when
        the application has no one erased)."""
        application_id = getattr(envelope.data, "application_id", None)
        if not application_id:
            return envelope
        tombstone = await self._tombstones.find_one({"_id": application_id})
        if tombstone is None:
            return envelope
        data = envelope.data.model_dump(mode="json")
        clean = anonymised(data, set(tombstone["participant_ids"]), tombstone["fingerprints"])
        if clean == data:
            return envelope
        return dataclasses.replace(envelope, data=type(envelope.data).model_validate(clean))

    def guard(self, handlers: list[EventHandler]) -> EventHandler:
        async def guarded(envelope: Envelope[Any]) -> None:
            clean = await self.redacted(envelope)
            for handler in handlers:
                await handler(clean)

        return guarded


async def _rewrite(collection: AsyncCollection[Document], old: Document, new: Document) -> None:
    """Write ``new`` over ``old``; an ``_id`` that held erased data (a message keyed by its
    recipient) moves to the new one: inserted first, so a crash between leaves a copy, never
    a loss, and the next erasure removes the old one."""
    if new["_id"] != old["_id"]:
        with contextlib.suppress(DuplicateKeyError):
            await collection.insert_one(new)
        await collection.delete_one({"_id": old["_id"]})
        return
    changed = {key: item for key, item in new.items() if old.get(key) != item}
    if changed:
        async with document_lock(collection, old["_id"]):
            await collection.update_one({"_id": old["_id"]}, {"$set": changed})


def honoured(table: Subscriptions, eraser: Eraser) -> Subscriptions:
    """``table`` with PersonalDataErased honoured first and every event anonymised for the
    people erased before any handler sees it: what every service does, so no service can
    forget it (:func:`academy_kit.service.lifespan` applies it)."""
    guarded: dict[type[IntegrationEvent], list[EventHandler]] = {
        event_type: [eraser.guard(list(handlers))] for event_type, handlers in table.items()
    }
    guarded[PersonalDataErased] = [eraser.erase, *guarded.get(PersonalDataErased, [])]
    return guarded
