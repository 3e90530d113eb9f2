"""Shared fixtures: a small content tree on disk, validated the same way the CLI does it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from app.bank import Catalogue, load

SEED = (
    "After the procedure you must protect the treated area from the sun for several weeks, "
    "because the new skin is very sensitive to light and can burn easily. Keep it clean and moist."
)

TOPICS = """\
topics:
  - {id: care, title: Care}
  - {id: planning, title: Planning}
"""

SOURCES = """\
sources:
  - {id: doc1, title: Doc one, summary: A made-up aftercare leaflet.}
"""

# A valid bank; tests replace parts of it. Line numbers matter: keep this layout.
BANK = """\
bank: {id: care, title: Care, topic: care}
cases:
  - {id: care-case-beach, title: Beach trip, vignette: A client flies to the coast next week.}
questions:
  - id: care-sun-001
    type: single
    difficulty: 1
    stem: What should the client avoid after treatment?
    options:
      - {text: Sun on the treated area, correct: true}
      - {text: Cold water}
      - {text: Gentle cleansing}
    explanation: The new skin reacts strongly to light.
    sources:
      - {doc: doc1, quote: "protect the treated area from the sun"}
    tags: [sun]
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A content folder with topics, sources, one seed document and one valid bank."""
    write(tmp_path / "quizzes" / "topics.yaml", TOPICS)
    write(tmp_path / "quizzes" / "sources.yaml", SOURCES)
    write(tmp_path / "quizzes" / "banks" / "care.yaml", BANK)
    write(tmp_path / "seeds" / "doc1.txt", SEED)
    return tmp_path


@pytest.fixture
def check(content: Path) -> Callable[..., Catalogue]:
    """Write the given files (path -> text) under the content folder, then load and validate it."""

    def run(files: dict[str, str] | None = None, *, sources: bool = True) -> Catalogue:
        for rel, text in (files or {}).items():
            write(content / "quizzes" / rel, text)
        return load(
            [content / "quizzes"],
            sources_dir=content / "seeds" if sources else None,
            root=content / "quizzes",
        )

    return run


def messages(cat: Catalogue) -> list[str]:
    return [str(p) for p in cat.problems]
