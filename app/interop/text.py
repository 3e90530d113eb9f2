"""What every text format shares: decoding bytes safely, and turning HTML into plain text.

Imported text is only ever shown as text; HTML from another system is reduced to its words and
line breaks here (tags dropped, entities resolved), never rendered.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from app.interop.common import MAX_IMPORT_BYTES, InteropError

_BOM = b"\xef\xbb\xbf"


def check_size(data: bytes, name: str) -> None:
    """Refuse a file over ``MAX_IMPORT_BYTES`` before reading any of it."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InteropError(
            f"{name} is {len(data) / 1024 / 1024:.1f} MB; a question file may be at most "
            f"{MAX_IMPORT_BYTES // 1024 // 1024} MB"
        )


def decode(data: bytes, name: str) -> str:
    """UTF-8 text (a byte-order mark is dropped), or an InteropError that says where the first
    byte that is not UTF-8 is, by line and byte offset."""
    check_size(data, name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InteropError(f"{name} is UTF-16; save it as UTF-8 and import it again")
    body = data[len(_BOM) :] if data.startswith(_BOM) else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        at = exc.start + (len(data) - len(body))
        line = data[:at].count(b"\n") + 1
        raise InteropError(
            f"{name} is not UTF-8: byte {at} (line {line}) is 0x{data[at]:02x}; save the file "
            "as UTF-8 and import it again"
        ) from None
    if "\x00" in text:
        raise InteropError(f"{name} holds NUL characters: it is not a text file")
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Text(HTMLParser):
    BREAKS = frozenset({"br"})
    BLOCKS = frozenset(
        {"p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
    )
    SKIP = frozenset({"script", "style"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """The words of an HTML fragment: tags dropped, entities resolved, paragraphs kept as blank
    lines and ``<br>`` as line breaks, runs of spaces made one."""
    parser = _Text()
    parser.feed(markup)
    parser.close()
    return tidy("".join(parser.parts))


def tidy(text: str) -> str:
    """Spaces at line ends dropped, at most one blank line in a row, no blank start or end."""
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_to_html(text: str) -> str:
    """Plain text as HTML that ``html_to_text`` turns back into the same text: each paragraph
    a ``<p>``, a line break ``<br>``, every special character escaped."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</p>"
        for p in paragraphs
    )
