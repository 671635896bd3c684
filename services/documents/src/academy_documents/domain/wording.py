"""What a certificate and a visa letter say, in French or English: the words are the
domain's, the layout is the PDF adapter's (:mod:`academy_documents.adapters.pdf`)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

from academy_contracts.events import EditionPublished
from academy_contracts.values import Language, ParticipantRole
from academy_documents.domain.certificates import Certificate, ordered
from academy_documents.domain.letters import VisaLetter

EN_DASH = "\u2013"
"""Between the hours of a session, as typography wants it."""

ROLES = {
    Language.EN: {
        ParticipantRole.CLUSTER_MANAGER: "cluster manager",
        ParticipantRole.BOARD_MEMBER: "board member",
    },
    Language.FR: {
        ParticipantRole.CLUSTER_MANAGER: "manager",
        ParticipantRole.BOARD_MEMBER: "membre du conseil d’administration",
    },
}

WORDS = {
    Language.EN: {
        "title": "Certificate of attendance",
        "certify": "This is to certify that",
        "attended": "{role} of the cluster {cluster} ({country}), attended every session of",
        "sessions": "Sessions attended",
        "online": "online",
        "issued": "Issued on {date}.",
        "reference": "Reference: {reference}",
        "verify": "Check that this certificate is genuine at {url}",
    },
    Language.FR: {
        "title": "Attestation de participation",
        "certify": "Nous attestons que",
        "attended": "{role} du cluster {cluster} ({country}), a assisté à toutes les sessions de",
        "sessions": "Sessions suivies",
        "online": "en ligne",
        "issued": "Délivrée le {date}.",
        "reference": "Référence : {reference}",
        "verify": "Vérifiez l’authenticité de cette attestation sur {url}",
    },
}


@dataclass(frozen=True)
class CertificateText:
    title: str
    certify: str
    holder: str
    attended: str
    edition: str
    sessions_heading: str
    sessions: list[str]
    """One line per session: its title, its date and hours in the edition's zone, its place."""
    issued: str
    signatory: str
    reference: str
    verify: str


def session_lines(
    edition: EditionPublished, language: Language, only: Collection[str] | None = None
) -> list[str]:
    """One line per session (of ``only``, when given), in the edition's order: its title, its
    date and hours in the edition's zone, and its place."""
    zone = ZoneInfo(edition.time_zone)
    online = WORDS[language]["online"]
    lines = []
    for session in ordered(edition.sessions):
        if only is not None and session.session_id not in only:
            continue
        start = session.starts_at.astimezone(zone)
        end = session.ends_at.astimezone(zone)
        where = online if session.online else (session.place or "")
        when = (
            f"{format_date(start, 'long', locale=language.value)}, "
            f"{format_time(start, 'short', locale=language.value)}{EN_DASH}"
            f"{format_time(end, 'short', locale=language.value)}"
        )
        title = session.title.fr if language == Language.FR else session.title.en
        lines.append(" — ".join(part for part in (title, when, where) if part))
    return lines


def certificate_text(
    certificate: Certificate,
    edition: EditionPublished,
    language: Language,
    *,
    signatory: str,
    verify_url: str,
) -> CertificateText:
    words = WORDS[language]
    zone = ZoneInfo(edition.time_zone)
    country = Locale.parse(language.value).territories.get(certificate.country.value)
    role = ROLES[language][certificate.role]
    return CertificateText(
        title=words["title"],
        certify=words["certify"],
        holder=certificate.full_name,
        attended=words["attended"].format(
            role=role[:1].upper() + role[1:],
            cluster=certificate.cluster_name,
            country=country or certificate.country.value,
        ),
        edition=edition.title.fr if language == Language.FR else edition.title.en,
        sessions_heading=words["sessions"],
        sessions=session_lines(edition, language, certificate.sessions),
        issued=words["issued"].format(
            date=format_date(certificate.issued_at.astimezone(zone), "long", locale=language.value)
        ),
        signatory=signatory,
        reference=words["reference"].format(reference=certificate.reference),
        verify=words["verify"].format(url=verify_url),
    )


PROGRAM = {
    Language.EN: (
        "The Cluster Academy, organised by ANIMA, is part of Euromed Clusters Forward, a project "
        "co-funded by the European Union and Aix-Marseille Provence Métropole. It trains the "
        "managers and board members of business clusters of the southern Mediterranean in "
        "collaborative workshops held in French and English."
    ),
    Language.FR: (
        "L’Académie des clusters, organisée par ANIMA, fait partie d’Euromed Clusters Forward, "
        "un projet cofinancé par l’Union européenne et la Métropole Aix-Marseille Provence. "
        "Elle forme les managers et les membres des conseils d’administration des clusters du "
        "sud de la Méditerranée lors d’ateliers collaboratifs en français et en anglais."
    ),
}
"""The program as its call for applications presents it."""

LETTER_WORDS = {
    Language.EN: {
        "title": "Invitation letter",
        "to": "To the consular services concerned",
        "invite": (
            "We are pleased to invite {name}, {role} of the cluster {cluster} ({country}), "
            "selected for the edition “{edition}”, to attend its sessions:"
        ),
        "name": "Full name",
        "nationality": "Nationality",
        "born": "Date of birth",
        "passport": "Passport number",
        "expires": "Passport valid until",
        "sessions": "Sessions (attendance of every session is compulsory)",
        "costs": (
            "Participants advance their travel and stay costs; the project reimburses 90% of "
            "them once all supporting documents have been submitted."
        ),
        "request": (
            "We would be grateful if you would issue {name} a visa covering the dates of "
            "the sessions."
        ),
        "issued": "Issued on {date}.",
        "reference": "Reference: {reference} (version {version})",
    },
    Language.FR: {
        "title": "Lettre d’invitation",
        "to": "À l’attention des services consulaires concernés",
        "invite": (
            "Nous avons le plaisir d’inviter {name}, {role} du cluster {cluster} ({country}), "
            "sélectionné(e) pour l’édition «\u00a0{edition}\u00a0», à en suivre les sessions\u00a0:"
        ),
        "name": "Nom complet",
        "nationality": "Nationalité",
        "born": "Date de naissance",
        "passport": "Numéro de passeport",
        "expires": "Passeport valable jusqu’au",
        "sessions": "Sessions (la présence à chaque session est obligatoire)",
        "costs": (
            "Les participants avancent leurs frais de voyage et de séjour ; le projet en "
            "rembourse 90\u00a0% une fois toutes les pièces justificatives remises."
        ),
        "request": (
            "Nous vous serions reconnaissants de bien vouloir délivrer à {name} un visa "
            "couvrant les dates des sessions."
        ),
        "issued": "Délivrée le {date}.",
        "reference": "Référence : {reference} (version {version})",
    },
}


@dataclass(frozen=True)
class LetterText:
    title: str
    to: str
    program: str
    invite: str
    holder: list[tuple[str, str]]
    """The passport's facts, as (label, value)."""
    sessions_heading: str
    sessions: list[str]
    costs: str
    request: str
    issued: str
    signatory: str
    reference: str


def letter_text(letter: VisaLetter, edition: EditionPublished, *, signatory: str) -> LetterText:
    language = letter.language
    words = LETTER_WORDS[language]
    territories = Locale.parse(language.value).territories
    zone = ZoneInfo(edition.time_zone)
    passport = letter.passport
    role = ROLES[language][letter.role]

    def day(value: date) -> str:
        return format_date(value, "long", locale=language.value)

    return LetterText(
        title=words["title"],
        to=words["to"],
        program=PROGRAM[language],
        invite=words["invite"].format(
            name=letter.full_name,
            role=role,
            cluster=letter.cluster_name,
            country=territories.get(letter.country.value, letter.country.value),
            edition=edition.title.fr if language == Language.FR else edition.title.en,
        ),
        holder=[
            (words["name"], letter.full_name),
            (words["nationality"], territories.get(passport.nationality, passport.nationality)),
            (words["born"], day(passport.date_of_birth)),
            (words["passport"], passport.passport_number),
            (words["expires"], day(passport.passport_expires_on)),
        ],
        sessions_heading=words["sessions"],
        sessions=session_lines(edition, language),
        costs=words["costs"],
        request=words["request"].format(name=letter.full_name),
        issued=words["issued"].format(
            date=format_date(letter.issued_at.astimezone(zone), "long", locale=language.value)
        ),
        signatory=signatory,
        reference=words["reference"].format(reference=letter.reference, version=letter.version),
    )
