"""Reading a file that is wrong in several places: every problem at once, and nothing imported.

A person fixing a spreadsheet or an Aiken file wants the whole list, not one error per attempt;
and a file that is wrong in one place is not imported in part (a question silently missing from
a bank is worse than a refusal). ``Problems`` is an ``InteropError``, so a caller that reports
``InteropError`` shows it as is.
"""

from __future__ import annotations

from app.interop.common import InteropError

# Past this many, the rest are counted, not listed: a file wrong on every line says so in a screen.
SHOWN = 50


class Problems(InteropError):
    """The file has problems, each with its place ("line 4: ...", "row 7, column correct: ...")."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:SHOWN]
        more = len(self.problems) - len(shown)
        head = "1 problem" if len(self.problems) == 1 else f"{len(self.problems)} problems"
        lines = [f"{head}; nothing was imported:", *shown]
        if more:
            lines.append(f"... and {more} more")
        super().__init__("\n".join(lines))

    def rows(self) -> list[tuple[str, str]]:
        """Every problem as (where, what): ("row 7, column correct", "'G' names no option")."""
        return [split(p) for p in self.problems]


def split(problem: str) -> tuple[str, str]:
    """A problem's place and its message, from "line 4: ..." or "row 7, column X: ..."."""
    where, sep, what = problem.partition(": ")
    if sep and where.startswith(("line ", "row ", "question ", "record ")):
        return where, what
    return "", problem


def decode_text(data: bytes, what: str, how: str = "save it as UTF-8 text") -> str:
    """``data`` as UTF-8 text (with or without a byte-order mark), or InteropError naming the line
    of the first byte that is not UTF-8. ``what`` names the file kind in the message, ``how``
    says how to save it right."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise InteropError(
            f"line {line}: the {what} is not UTF-8 text (byte 0x{data[e.start]:02X}); "
            f"{how} and try again"
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InteropError(f"line {line}: the {what} holds a NUL character; it is not a text file")
    return text
