"""What a certificate says, in French or English: the words are the domain's, the layout is
the PDF adapter's (:mod:`academy_documents.adapters.pdf`)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time

from academy_contracts.events import EditionPublished
from academy_contracts.values import Language, ParticipantRole
from academy_documents.domain.certificates import Certificate, ordered

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
    lines = []
    for session in ordered(edition.sessions):
        if session.session_id not in certificate.sessions:
            continue
        start = session.starts_at.astimezone(zone)
        end = session.ends_at.astimezone(zone)
        where = words["online"] if session.online else (session.place or "")
        when = (
            f"{format_date(start, 'long', locale=language.value)}, "
            f"{format_time(start, 'short', locale=language.value)}{EN_DASH}"
            f"{format_time(end, 'short', locale=language.value)}"
        )
        title = session.title.fr if language == Language.FR else session.title.en
        lines.append(" — ".join(part for part in (title, when, where) if part))
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
        sessions=lines,
        issued=words["issued"].format(
            date=format_date(certificate.issued_at.astimezone(zone), "long", locale=language.value)
        ),
        signatory=signatory,
        reference=words["reference"].format(reference=certificate.reference),
        verify=words["verify"].format(url=verify_url),
    )
