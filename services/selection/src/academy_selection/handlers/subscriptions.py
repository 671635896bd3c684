"""What the selection service does with each event it consumes, in order."""

from __future__ import annotations

from academy_contracts.events import (
    ApplicationSubmitted,
    ApplicationUpdated,
    ApplicationWithdrawn,
    EditionPublished,
)
from academy_kit.subscriptions import Subscriptions
from academy_selection.handlers.offers import Offers
from academy_selection.handlers.screening import Screener


def subscriptions(screener: Screener, offers: Offers) -> Subscriptions:
    return {
        EditionPublished: [screener.record_edition],
        ApplicationSubmitted: [screener.record_application],
        ApplicationUpdated: [screener.record_application],
        ApplicationWithdrawn: [screener.record_withdrawal, offers.release_withdrawn],
    }
