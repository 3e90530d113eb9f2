"""The neutral form every interchange format is read into and written from.

Each format module (``gift``, ``moodlexml``, ``aiken``, ``spreadsheet``, ``qti``) converts between
its own bytes and these records and nothing else; turning them into bank YAML (imported questions
land as drafts, without citations) and turning our questions into them is done once, in
``app.interop`` itself, so no format decides a rule of ours.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.errors import ResurfaceError

Kind = Literal["single", "multiple", "true_false", "matching"]

# Refused before parsing: a bank larger than this is not a question bank.
MAX_IMPORT_BYTES = 5 * 1024 * 1024


class InteropError(ResurfaceError):
    """The whole file cannot be read (wrong encoding, hostile XML, too large, not this format),
    or a bank cannot be written or exported. A ResurfaceError, so the command line and the pages
    say it as they say every refusal of the core."""


@dataclass(frozen=True)
class Choice:
    """One option: its text, whether it is right, and the feedback shown when it is picked."""

    text: str
    correct: bool
    feedback: str | None = None


@dataclass(frozen=True)
class Item:
    """One question as the formats see it.

    ``where`` says where it came from in the file ("line 12", "question 3", "row 7") so a report can
    point at it. ``choices`` holds the options of single/multiple; ``answer`` the key of
    true/false; ``pairs`` the (left, right) pairs of matching. ``name`` is a format's own title or
    id for the question, when it has one. ``category`` is Moodle's/GIFT's category path.
    """

    kind: Kind
    stem: str
    where: str
    name: str | None = None
    choices: tuple[Choice, ...] = ()
    answer: bool | None = None
    pairs: tuple[tuple[str, str], ...] = ()
    general_feedback: str | None = None
    category: str | None = None
    tags: tuple[str, ...] = ()
    # When exporting: the question's id in our bank and its case vignette, if any.
    ident: str | None = None
    vignette: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A question the file holds that we cannot represent, and why ("essay question")."""

    where: str
    reason: str


@dataclass
class Reading:
    """What a format's ``read(data, name)`` returns: the items it understood and what it skipped."""

    items: list[Item] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # A spreadsheet is all or nothing: a row our rules refuse stops the import, said by row and
    # the column this names for the rule's field path (("options", 2, "text"): "option_c").
    # Other formats skip such a question, report it, and import the rest, as Moodle does.
    column: Callable[[tuple[Any, ...]], str | None] | None = None


@dataclass
class Written:
    """What a format's ``write(items, title)`` returns: the file's bytes and what it left out."""

    data: bytes
    media_type: str
    suffix: str
    left_out: list[Skipped] = field(default_factory=list)
