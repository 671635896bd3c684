"""Ordered lists of ids kept in ``_id``-keyed documents, so that a staff list reads by ``_id``
only and costs the same however many documents the collection holds.

FerretDB 1.x on SQLite reads a whole collection for any filter other than ``_id`` equality,
any sort, range, ``$in`` or count (measured in ``benchmarks/results/FINDINGS.md``), so neither
a sorted query nor a range on ``_id`` pages in constant time there. A chain instead holds the
ids of one list (an edition's applications, those of one country in it, ...) in append order,
in page documents ``<chain>#<page>`` of at most ``PAGE_SIZE`` ids, and a head document
``<chain>#head`` with how many pages there are. Reading a page of a list is a few ``find_one``
by ``_id``; on MongoDB these are the primary index's own lookups.

A chain may hold an id more than once or one that no longer matches (an application that
changed country stays in its former country's chain): readers check each item against their
filter and skip those seen, so the chain is an index to narrow the search, never the truth.
Appends to one chain are serialised by :func:`academy_kit.mongo.document_lock` on its head.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from pymongo.asynchronous.collection import AsyncCollection

from academy_kit.mongo import Document, document_lock

PAGE_SIZE = 200


@dataclass(frozen=True, order=True)
class Position:
    """Where an item sits in a chain: its page, and its place in that page. A cursor."""

    page: int
    index: int

    def __str__(self) -> str:
        return f"{self.page}.{self.index}"

    @classmethod
    def parse(cls, cursor: str) -> Position:
        """The position a cursor names; ValueError if it names none."""
        page, _, index = cursor.partition(".")
        position = cls(int(page), int(index))
        if position.page < 0 or position.index < 0:
            raise ValueError(f"cursor {cursor!r} names no position")
        return position


class Chains:
    """The chains kept in one collection (a service's own, beside the documents they list)."""

    def __init__(self, collection: AsyncCollection[Document]) -> None:
        self._chains = collection

    async def append(self, chain: str, item_id: str) -> None:
        """Add ``item_id`` at the end of ``chain``."""
        head = f"{chain}#head"
        async with document_lock(self._chains, head):
            found = await self._chains.find_one({"_id": head})
            pages, last = (found["pages"], found["last"]) if found else (1, 0)
            if last >= PAGE_SIZE:
                pages, last = pages + 1, 0
                await self._chains.update_one(
                    {"_id": head}, {"$set": {"pages": pages, "last": 0}}, upsert=True
                )
            await self._chains.update_one(
                {"_id": _page(chain, pages - 1)}, {"$push": {"ids": item_id}}, upsert=True
            )
            await self._chains.update_one(
                {"_id": head}, {"$set": {"pages": pages, "last": last + 1}}, upsert=True
            )

    async def size(self, chain: str) -> int:
        """How many entries the chain holds (an id appended twice counts twice)."""
        found = await self._chains.find_one({"_id": f"{chain}#head"})
        return 0 if found is None else (found["pages"] - 1) * PAGE_SIZE + found["last"]

    async def entries(
        self, chain: str, start: Position | None = None
    ) -> AsyncIterator[tuple[Position, str]]:
        """The chain's ids with their positions, in append order, from ``start`` on."""
        found = await self._chains.find_one({"_id": f"{chain}#head"})
        pages = 0 if found is None else found["pages"]
        start = start or Position(0, 0)
        for page in range(start.page, pages):
            doc = await self._chains.find_one({"_id": _page(chain, page)})
            ids: list[str] = [] if doc is None else doc["ids"]
            first = start.index if page == start.page else 0
            for index in range(first, len(ids)):
                yield Position(page, index), ids[index]


def _page(chain: str, page: int) -> str:
    return f"{chain}#{page:09d}"
