"""Finding what a request names, or the refusal that it is unknown here: every use case starts
from an edition or an application."""

from __future__ import annotations

from academy_selection.domain.applications import Application
from academy_selection.domain.editions import EditionTerms
from academy_selection.domain.failures import UnknownApplication, UnknownEdition
from academy_selection.handlers.ports import Applications, Editions


async def edition_terms(editions: Editions, edition_id: str) -> EditionTerms:
    """The edition with its review policy and balance rules."""
    terms = await editions.find(edition_id)
    if terms is None:
        raise UnknownEdition(edition_id)
    return terms


async def application(applications: Applications, application_id: str) -> Application:
    found = await applications.get(application_id)
    if found is None:
        raise UnknownApplication(application_id)
    return found
