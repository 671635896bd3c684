"""PDF rendering with fpdf2: one A4 page per certificate, and a letter for the consulate.

fpdf2 embeds a subset of a Unicode TrueType font and, with text shaping on (HarfBuzz through
uharfbuzz), joins Arabic letters and orders right-to-left runs, so "أحمد بن سعيد" prints as
it is written, and so do "Ahmed Ben Saïd" and the French accents. The font is a file the
machine has (DejaVu Sans from Debian's fonts-dejavu-core by default, which covers Latin and
Arabic): ``ACADEMY_FONT_PATH`` and ``ACADEMY_FONT_BOLD_PATH`` name another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from academy_documents.domain.wording import CertificateText, LetterText

FAMILY = "body"


@dataclass(frozen=True)
class Fonts:
    regular: Path
    bold: Path


def _document(fonts: Fonts, title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Cluster Academy")
    pdf.add_font(FAMILY, "", str(fonts.regular))
    pdf.add_font(FAMILY, "B", str(fonts.bold))
    pdf.set_text_shaping(True)
    pdf.set_margins(25, 25, 25)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    return pdf


def _line(
    pdf: FPDF, text: str, size: float, *, bold: bool = False, gap: float = 2, align: str = "C"
) -> None:
    pdf.set_font(FAMILY, "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.55, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def certificate_pdf(text: CertificateText, fonts: Fonts) -> bytes:
    pdf = _document(fonts, text.title)
    pdf.ln(15)
    _line(pdf, text.title, 24, bold=True, gap=12)
    _line(pdf, text.certify, 12, gap=4)
    _line(pdf, text.holder, 20, bold=True, gap=4)
    _line(pdf, text.attended, 12, gap=4)
    _line(pdf, text.edition, 15, bold=True, gap=10)
    _line(pdf, text.sessions_heading, 11, bold=True, gap=1)
    for session in text.sessions:
        _line(pdf, session, 10, gap=1)
    pdf.ln(12)
    _line(pdf, text.issued, 11, gap=12)
    _line(pdf, text.signatory, 11, bold=True, gap=30)
    _line(pdf, text.reference, 10, bold=True, gap=1)
    _line(pdf, text.verify, 9)
    return bytes(pdf.output())


def letter_pdf(text: LetterText, fonts: Fonts) -> bytes:
    """The letter as a consulate reads one: addressee, the program, the invitation, the
    holder's passport facts, the sessions, the costs rule, the signature and reference."""
    pdf = _document(fonts, text.title)
    _line(pdf, text.to, 10, align="L", gap=8)
    _line(pdf, text.title, 18, bold=True, gap=8)
    _line(pdf, text.program, 10, align="J", gap=5)
    _line(pdf, text.invite, 11, align="J", gap=4)
    for label, value in text.holder:
        pdf.set_font(FAMILY, "", 11)
        pdf.cell(55, 6, label)
        pdf.set_font(FAMILY, "B", 11)
        pdf.cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(5)
    _line(pdf, text.sessions_heading, 11, bold=True, align="L", gap=1)
    for session in text.sessions:
        _line(pdf, session, 10, align="L", gap=1)
    pdf.ln(4)
    _line(pdf, text.costs, 10, align="J", gap=4)
    _line(pdf, text.request, 11, align="J", gap=10)
    _line(pdf, text.issued, 11, align="L", gap=12)
    _line(pdf, text.signatory, 11, bold=True, align="L", gap=20)
    _line(pdf, text.reference, 9, align="L")
    return bytes(pdf.output())
