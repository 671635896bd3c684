"""What messages say about an expense claim: when it was made and its lines (kept from
ExpenseClaimed), and the documents it lacks, read from DocumentsMissing so each reads as words
in the participant's language rather than as codes.

DocumentsMissing names what each incomplete line lacks as ``<line id> (<category>): <kinds>``
(the contract's format, e.g. ``L2 (travel): boarding_pass, ticket``); a text that does not read
so is quoted as it came, since another producer may write plain sentences.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from academy_contracts.events import ExpenseLine
from academy_contracts.values import DocumentKind, ExpenseCategory


@dataclass(frozen=True)
class ClaimFacts:
    claimed_at: datetime
    lines: Sequence[ExpenseLine]


@dataclass(frozen=True)
class MissingDocuments:
    """What one line lacks: the line as claimed (when known), its category and the kinds; or,
    for a text that is not in the contract's format, that text alone."""

    text: str
    line: ExpenseLine | None = None
    category: ExpenseCategory | None = None
    kinds: Sequence[DocumentKind] = ()


_LINE = re.compile(r"^(?P<line>[^\s()]+) \((?P<category>[a-z_]+)\): (?P<kinds>.+)$")


def missing_documents(
    missing: Sequence[str], lines: Sequence[ExpenseLine]
) -> list[MissingDocuments]:
    by_id = {line.line_id: line for line in lines}
    return [_read(text, by_id) for text in missing]


def _read(text: str, lines: dict[str, ExpenseLine]) -> MissingDocuments:
    found = _LINE.match(text)
    if found is None:
        return MissingDocuments(text)
    names = [name.strip() for name in found["kinds"].split(",")]
    known_kinds = {kind.value for kind in DocumentKind}
    known_categories = {category.value for category in ExpenseCategory}
    if found["category"] not in known_categories or not set(names) <= known_kinds:
        return MissingDocuments(text)
    return MissingDocuments(
        text,
        lines.get(found["line"]),
        ExpenseCategory(found["category"]),
        [DocumentKind(name) for name in names],
    )
