"""A certificate as a one-page PDF (fpdf2) with its verification address as a vector QR code
(segno). Pure: bytes out, no database.

Names come in every script, so the text is set in DejaVu Sans, embedded (Debian's
fonts-dejavu-core: Latin, Greek, Cyrillic, Hebrew, Arabic and more; not Chinese, Japanese or
Korean). Without it, Helvetica does for text it can show (Latin-1) and anything else is refused
with a message saying which package to install, never printed as question marks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import segno
from fpdf import FPDF

from app.errors import ResurfaceError

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
INK = (31, 41, 55)
ACCENT = (14, 116, 144)
MUTED = (100, 110, 120)


class FontMissing(ResurfaceError):
    """A name needs the DejaVu fonts, which this machine lacks."""


@dataclass(frozen=True)
class Content:
    """What one certificate says."""

    name: str
    certification: str
    quiz_title: str
    passed_at: datetime
    valid_until: datetime
    clinic: str
    code: str
    address: str  # its public verification page; a bare path when the site's address is unknown


def day(moment: datetime) -> str:
    """A date as the certificate writes it (UTC): 7 December 2026."""
    return f"{moment.day} {moment:%B %Y}"


def render(content: Content) -> bytes:
    """The certificate as PDF bytes. Raises FontMissing."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_title(f"{content.certification}: {content.name}")
    pdf.set_author(content.clinic)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    family = _fonts(pdf, content)
    width, height = pdf.w, pdf.h

    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, width - 20, height - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, width - 26, height - 26)

    def line(text: str, size: float, style: str = "", colour: tuple[int, int, int] = INK) -> None:
        pdf.set_font(family, style, size)
        pdf.set_text_color(*colour)
        pdf.set_x(25)
        pdf.multi_cell(width - 50, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")

    pdf.set_y(28)
    line(content.clinic, 14, "B", ACCENT)
    pdf.ln(6)
    line("Certificate", 34, "B")
    pdf.ln(4)
    line("This certifies that", 13, colour=MUTED)
    pdf.ln(3)
    line(content.name, 28, "B")
    pdf.ln(3)
    line(f"passed {content.quiz_title}", 13, colour=MUTED)
    pdf.ln(1)
    line("and holds the certification", 13, colour=MUTED)
    pdf.ln(2)
    line(content.certification, 18, "B", ACCENT)
    pdf.ln(6)
    line(f"Passed {day(content.passed_at)}   ·   Valid until {day(content.valid_until)}", 13)

    size = 38.0
    left, top = width - 25 - size, height - 25 - size
    _qr(pdf, content.address, left, top, size)
    where = (
        content.address
        if "://" in content.address
        else f"{content.address} on {content.clinic}'s training site"
    )
    pdf.set_text_color(*MUTED)
    pdf.set_font(family, "", 9)
    pdf.set_xy(25, top + size - 18)
    pdf.multi_cell(left - 30, 4.5, "Check this certificate at", new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(25)
    pdf.multi_cell(left - 30, 4.5, where, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(25)
    pdf.multi_cell(left - 30, 4.5, f"Certificate code {content.code}")
    return bytes(pdf.output())


def qr_matrix(address: str) -> list[list[bool]]:
    """The QR code of ``address`` as rows of dark (True) and light modules, quiet zone included."""
    code = segno.make(address, error="m", micro=False)
    return [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=4)]


def _qr(pdf: FPDF, address: str, left: float, top: float, size: float) -> None:
    """Draw the QR code as filled rectangles, one per run of dark modules in a row (vector)."""
    rows = qr_matrix(address)
    module = size / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if not row[x]:
                x += 1
                continue
            start = x
            while x < len(row) and row[x]:
                x += 1
            pdf.rect(left + start * module, top + y * module, (x - start) * module, module, "F")


def _fonts(pdf: FPDF, content: Content) -> str:
    """Embed DejaVu Sans and return its family; Helvetica if it is missing and the text fits."""
    for folder in FONT_DIRS:
        if all((folder / name).is_file() for name in FONT_FILES.values()):
            for style, name in FONT_FILES.items():
                pdf.add_font("DejaVu", style, str(folder / name))
            return "DejaVu"
    text = " ".join([content.name, content.certification, content.quiz_title, content.clinic])
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        raise FontMissing(
            "certificates for this name need the DejaVu fonts: install Debian's fonts-dejavu-core"
        ) from None
    return "Helvetica"
