"""The words messages use for the contracts' codes, in both languages.

Templates quote countries, sectors, screening reasons and the like through ``label``; every code
of every enum has a French and an English word here, which a test checks, so a code added to the
contracts without its words fails the suite rather than a send.
"""

from __future__ import annotations

from enum import StrEnum

from academy_contracts.events import RejectionReason, ScreeningReason
from academy_contracts.values import Country, DocumentKind, ExpenseCategory, Language, Sector
from academy_notification.domain.digest import ClaimStatus

MONTHS = {
    Language.FR: [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    Language.EN: [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

LABELS: dict[type[StrEnum], dict[Language, dict[str, str]]] = {
    Country: {
        Language.FR: {
            "DZ": "Algérie",
            "EG": "Égypte",
            "JO": "Jordanie",
            "LB": "Liban",
            "MA": "Maroc",
            "PS": "Palestine",
            "TN": "Tunisie",
        },
        Language.EN: {
            "DZ": "Algeria",
            "EG": "Egypt",
            "JO": "Jordan",
            "LB": "Lebanon",
            "MA": "Morocco",
            "PS": "Palestine",
            "TN": "Tunisia",
        },
    },
    Sector: {
        Language.FR: {
            "health": "santé",
            "aeronautics_mechanics": "aéronautique et mécanique",
            "maritime_logistics": "maritime et logistique",
            "energy_environment": "énergie et environnement",
        },
        Language.EN: {
            "health": "health",
            "aeronautics_mechanics": "aeronautics and mechanics",
            "maritime_logistics": "maritime and logistics",
            "energy_environment": "energy and environment",
        },
    },
    ScreeningReason: {
        Language.FR: {
            "eccp_missing": "le cluster n'est pas enregistré sur la plateforme ECCP",
            "country_ineligible": "le pays du cluster n'est pas l'un des 7 pays éligibles",
            "sector_ineligible": "le secteur du cluster n'est pas l'un des 4 secteurs éligibles",
            "team_incomplete": (
                "l'équipe doit compter le manager du cluster et deux membres du conseil"
            ),
            "cannot_advance_costs": "le cluster ne peut pas avancer les frais",
            "no_attendance_commitment": (
                "les participants ne s'engagent pas à assister à toutes les sessions"
            ),
            "submitted_after_deadline": "la candidature est arrivée après la date limite",
        },
        Language.EN: {
            "eccp_missing": "the cluster is not registered on the ECCP platform",
            "country_ineligible": "the cluster's country is not one of the 7 eligible countries",
            "sector_ineligible": "the cluster's sector is not one of the 4 eligible sectors",
            "team_incomplete": "the team must be the cluster manager and two board members",
            "cannot_advance_costs": "the cluster cannot advance the costs",
            "no_attendance_commitment": "the participants do not commit to attend every session",
            "submitted_after_deadline": "the application arrived after the deadline",
        },
    },
    RejectionReason: {
        Language.FR: {
            "not_eligible": "la candidature n'est pas éligible",
            "not_selected": "le cluster n'a pas été retenu à l'issue de la sélection",
            "offer_declined": "le cluster a décliné sa place",
            "offer_lapsed": "la place n'a pas été confirmée avant la date limite",
        },
        Language.EN: {
            "not_eligible": "the application is not eligible",
            "not_selected": "the cluster was not retained by the selection",
            "offer_declined": "the cluster declined its place",
            "offer_lapsed": "the place was not confirmed before the deadline",
        },
    },
    ExpenseCategory: {
        Language.FR: {
            "travel": "voyage",
            "accommodation": "hébergement",
            "visa": "visa",
            "local_transport": "transport local",
            "meals": "repas",
            "other": "autre",
        },
        Language.EN: {
            "travel": "travel",
            "accommodation": "accommodation",
            "visa": "visa",
            "local_transport": "local transport",
            "meals": "meals",
            "other": "other",
        },
    },
    DocumentKind: {
        Language.FR: {
            "ticket": "billet",
            "boarding_pass": "carte d'embarquement",
            "invoice": "facture",
            "receipt": "reçu",
            "visa_receipt": "reçu de paiement du visa",
        },
        Language.EN: {
            "ticket": "ticket",
            "boarding_pass": "boarding pass",
            "invoice": "invoice",
            "receipt": "receipt",
            "visa_receipt": "visa fee receipt",
        },
    },
    ClaimStatus: {
        Language.FR: {"claimed": "à examiner", "documents_missing": "pièces manquantes"},
        Language.EN: {"claimed": "to review", "documents_missing": "documents missing"},
    },
}


def label(code: StrEnum, language: Language) -> str:
    """The word for ``code`` in ``language``; a missing one is a KeyError (caught by tests)."""
    return LABELS[type(code)][language][code.value]
