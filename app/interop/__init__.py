"""Questions in and out of other systems' formats: GIFT, Moodle XML, Aiken, spreadsheets, QTI.

Each format is a module with ``read(data, name) -> Reading`` (it can import) and/or
``write(items, title) -> Written`` (it can export), working on the neutral records of
``app.interop.common``. This registry names them; a module is imported when it is first used.
Every format named here ships with the app: a module that does not import is a broken install
and raises, never a format quietly not offered. Turning a reading into a bank of drafts, and our
questions into items, is ``app.interop.banks``'s.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from types import ModuleType
from typing import cast

from app.interop.common import InteropError, Item, Reading, Written

# The name a user gives (``--format``) -> the module that speaks it.
FORMATS: dict[str, str] = {
    "gift": "app.interop.gift",
    "moodle-xml": "app.interop.moodlexml",
    "aiken": "app.interop.aiken",
    "xlsx": "app.interop.spreadsheet",
    "csv": "app.interop.spreadsheet",
    "qti": "app.interop.qti",
}
LABELS: dict[str, str] = {
    "gift": "GIFT (Moodle)",
    "moodle-xml": "Moodle XML",
    "aiken": "Aiken (Moodle)",
    "xlsx": "Spreadsheet (.xlsx)",
    "csv": "Spreadsheet (.csv)",
    "qti": "QTI 2.1 package (Canvas, TAO)",
}
# The file names each format is usually given, to guess the format when none is said.
SUFFIXES: dict[str, tuple[str, ...]] = {
    "gift": (".gift", ".txt"),
    "moodle-xml": (".xml",),
    "aiken": (".txt",),
    "xlsx": (".xlsx",),
    "csv": (".csv",),
    "qti": (".zip",),
}

Reader = Callable[[bytes, str], Reading]
Writer = Callable[[list[Item], str], Written]


def _module(name: str) -> ModuleType | None:
    path = FORMATS.get(name)
    return None if path is None else importlib.import_module(path)


def importers() -> list[str]:
    """The formats that can be read, in registry order."""
    return [n for n in FORMATS if callable(getattr(_module(n), "read", None))]


def exporters() -> list[str]:
    """The formats that can be written, in registry order."""
    return [n for n in FORMATS if callable(getattr(_module(n), "write", None))]


def reader(name: str) -> Reader:
    """The reader of format ``name``. Raises InteropError when there is none."""
    fn = getattr(_module(name), "read", None)
    if not callable(fn):
        raise InteropError(
            f"cannot import from '{name}' (formats that can: {', '.join(importers())})"
        )
    return cast(Reader, fn)


def writer(name: str) -> Writer:
    """The writer of format ``name``. Raises InteropError when there is none."""
    fn = getattr(_module(name), "write", None)
    if not callable(fn):
        raise InteropError(
            f"cannot export to '{name}' (formats that can: {', '.join(exporters())})"
        )
    return cast(Writer, fn)


def guess(name: str, data: bytes) -> str:
    """The format a file most likely is, from its name and a look at its start.

    A ``.txt`` file is Aiken when a line starts with ``ANSWER:``, else GIFT. Raises InteropError
    when the name says nothing.
    """
    lower = name.lower()
    if lower.endswith(".txt"):
        head = data[:200_000].decode("utf-8", "replace")
        if any(line.strip().upper().startswith("ANSWER:") for line in head.splitlines()):
            return "aiken"
        return "gift"
    for fmt in importers():
        if lower.endswith(SUFFIXES[fmt]):
            return fmt
    raise InteropError(
        f"cannot tell the format of '{name}' from its name; say which ({', '.join(importers())})"
    )


__all__ = [
    "FORMATS",
    "LABELS",
    "InteropError",
    "exporters",
    "guess",
    "importers",
    "reader",
    "writer",
]
