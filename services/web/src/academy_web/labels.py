"""What each of the program's values is called on a page, in the catalogs' words. The values
are the APIs' own (contracts' enums and the services' states); a value without a label is
shown as it is rather than hidden."""

from __future__ import annotations

from academy_contracts.events import ScreeningReason
from academy_contracts.values import Country, Currency, ExpenseCategory, Language, Sector
from academy_web.i18n import N_, country_name

SECTORS = {
    Sector.HEALTH: N_("Health"),
    Sector.AERONAUTICS_MECHANICS: N_("Aeronautics and mechanics"),
    Sector.MARITIME_LOGISTICS: N_("Maritime and logistics"),
    Sector.ENERGY_ENVIRONMENT: N_("Energy and environment"),
}
LANGUAGE_NAMES = {Language.FR: "Français", Language.EN: "English"}
"""Each language by its own name, as language pickers show them."""
CATEGORIES = {
    ExpenseCategory.TRAVEL: N_("Travel"),
    ExpenseCategory.ACCOMMODATION: N_("Accommodation"),
    ExpenseCategory.VISA: N_("Visa"),
    ExpenseCategory.LOCAL_TRANSPORT: N_("Local transport"),
    ExpenseCategory.MEALS: N_("Meals"),
    ExpenseCategory.OTHER: N_("Other"),
}
DOCUMENT_KINDS = {
    "ticket": N_("Ticket"),
    "boarding_pass": N_("Boarding pass"),
    "invoice": N_("Invoice"),
    "receipt": N_("Receipt"),
    "visa_receipt": N_("Visa receipt"),
}
"""Reimbursement's document kinds (its API refuses any other, listing the allowed ones)."""
CLAIM_STATES = {
    "documents_missing": N_("Supporting documents missing"),
    "complete": N_("Complete, awaiting the finance team's decision"),
    "approved": N_("Approved, awaiting payment"),
    "rejected": N_("Rejected"),
    "paid": N_("Paid"),
}
DECISIONS = {
    "offered": N_("Selected: a place is offered to your cluster"),
    "confirmed": N_("Selected: your cluster confirmed its place"),
    "waitlisted": N_("On the waiting list"),
    "declined": N_("Place declined"),
    "lapsed": N_("Offer lapsed: not confirmed in time"),
    "withdrawn": N_("Withdrawn"),
    "rejected": N_("Not selected"),
}
SCREENING_REASONS = {
    ScreeningReason.ECCP_MISSING: N_(
        "The cluster's ECCP profile id is missing: the cluster must be registered on the "
        "European Cluster Collaboration Platform."
    ),
    ScreeningReason.COUNTRY_INELIGIBLE: N_(
        "The cluster's country is not one of the countries this edition is open to."
    ),
    ScreeningReason.SECTOR_INELIGIBLE: N_(
        "The cluster's sector is not one of the sectors this edition is open to."
    ),
    ScreeningReason.TEAM_INCOMPLETE: N_(
        "The team is not complete: one cluster manager and two board members, each with "
        "their own email address."
    ),
    ScreeningReason.CANNOT_ADVANCE_COSTS: N_(
        "The cluster did not declare that it can advance the participants' costs, which are "
        "reimbursed afterwards."
    ),
    ScreeningReason.NO_ATTENDANCE_COMMITMENT: N_(
        "The participants did not commit to attend every session."
    ),
    ScreeningReason.AFTER_DEADLINE: N_(
        "The application was last changed after the registration deadline."
    ),
}
"""Selection's screening reasons (``GET /v1/applications/{id}/screening``) in plain words."""
ROLES = {"cluster_manager": N_("Cluster manager"), "board_member": N_("Board member")}
COUNTRIES = tuple(Country)
CURRENCIES = tuple(Currency)


def label(value: str) -> str:
    """The untranslated label of any value above (pages pass it through gettext)."""
    for table in (SECTORS, CATEGORIES, DOCUMENT_KINDS, CLAIM_STATES, DECISIONS, ROLES):
        if value in table:
            return table[value]  # type: ignore[index]
    if value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]  # type: ignore[index]
    if len(value) == 2 and value.isupper():
        return country_name(value)
    return value
