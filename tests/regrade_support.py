"""A small exam for the regrade tests, and the same bank with one key corrected on disk."""

from __future__ import annotations

from pathlib import Path

from app.bank import Catalogue, load

QUIZZES = """\
quizzes:
  - id: exam
    title: Care exam
    description: Five questions on care.
    mode: exam
    draw: [{topic: care, count: 5}]
    shuffle_questions: false
    shuffle_options: false
    pass_mark: 80
    feedback: on_submit
    review: full
    scoring: all_or_nothing
    certifies: {name: Care technician, valid_months: 12}
"""

STEMS = [
    "Which habit protects freshly treated skin from the sun?",
    "Which cleanser suits the first week after treatment?",
    "What should the client apply to keep the area moist?",
    "Which activity should wait until the skin has healed?",
    "Which sign after treatment needs a call to the clinic?",
    "Which clothing helps on a sunny day after treatment?",
    "Which product should be avoided in the first week?",
    "Which drink choice supports healing after treatment?",
    "Which sleeping position helps the treated face?",
    "Which tool should not touch the treated skin?",
]


def question(n: int, key: int = 0, options: list[str] | None = None) -> str:
    """Question ``care-q-0n`` with options A-D (or ``options``), ``key`` the right one."""
    texts = options or [f"Choice {c} for question {n}" for c in "ABCD"]
    lines = "\n".join(
        f"      - {{text: {t}{', correct: true' if i == key else ''}}}" for i, t in enumerate(texts)
    )
    return f"""\
  - id: care-q-{n:02d}
    type: single
    difficulty: {1 + n % 3}
    exam_only: true
    stem: {STEMS[n]}
    options:
{lines}
    explanation: The treated area needs time and care to heal.
    sources:
      - {{doc: doc1, quote: "protect the treated area from the sun"}}
"""


def bank(keys: dict[int, int] | None = None, options: dict[int, list[str]] | None = None) -> str:
    """The bank of ten questions; ``keys`` and ``options`` override some questions' key or options."""
    keys, options = keys or {}, options or {}
    body = "".join(question(n, keys.get(n, 0), options.get(n)) for n in range(10))
    return f"bank: {{id: care, title: Care, topic: care}}\nquestions:\n{body}"


def write_content(root: Path, keys: dict[int, int] | None = None, **kw) -> Path:
    """Topics, sources and the bank under ``root`` (a quizzes folder), and the source document
    beside it (``seeds``); returns ``root``."""
    from conftest import SEED, SOURCES, TOPICS, write

    write(root.parent / "seeds" / "doc1.txt", SEED)
    write(root / "topics.yaml", TOPICS)
    write(root / "sources.yaml", SOURCES)
    write(root / "quizzes.yaml", QUIZZES)
    (root / "banks" / "care.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "banks" / "care.yaml").write_text(bank(keys, **kw), encoding="utf-8")
    return root


def loaded(root: Path) -> Catalogue:
    """The content under ``root``, which must load without a problem."""
    cat = load([root], sources_dir=root.parent / "seeds")
    assert not cat.problems, [str(p) for p in cat.problems]
    return cat
