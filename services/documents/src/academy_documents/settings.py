from __future__ import annotations

from pathlib import Path

from pydantic import Field

from academy_kit.settings import ServiceSettings

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


class DocumentsSettings(ServiceSettings):
    service_name: str = "documents"
    http_port: int = 8006
    font_path: Path = DEJAVU / "DejaVuSans.ttf"
    """A TrueType font covering Latin and Arabic (Debian's fonts-dejavu-core by default)."""
    font_bold_path: Path = DEJAVU / "DejaVuSans-Bold.ttf"
    signatory: str = "Le chef de projet / The project manager"
    """Who signs the certificates, as printed on them."""
    verification_url: str = "http://127.0.0.1:8006/v1/certificates/{reference}"
    """Where a reader checks a certificate; ``{reference}`` is replaced by its reference."""
    certificate_sweep_seconds: float = Field(default=300.0, gt=0)
    """How often editions whose last session has ended since are looked for, to issue their
    certificates (an edition is looked at once after its end; later changes are events)."""
