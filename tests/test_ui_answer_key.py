"""Nothing the browser is sent about an exam question before submission tells which options are
right: not the widgets' keys (which become element ids and CSS classes), not their ids, labels,
order or defaults.

Each case is a pair of banks that show the same question the same way (the same texts in the same
places, with seeds chosen so) but keep its options in a different order in the YAML and mark
different ones right. The quiz page of each is rendered through the real app (AppTest), and every
element it would send is compared, byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from ui_helpers import app_on, open_page, sign_in

from app import accounts, attempts
from app.bank import Catalogue, load
from app.engine import assemble
from app.store import open_store
from conftest import BACKENDS, PW, SEED, SOURCES, TOPICS, throwaway_database, write

QUIZ = """\
quizzes:
  - id: check
    title: Check
    description: One question.
    mode: exam
    draw:
      - {topic: care, count: 1}
    pass_mark: 80
"""

HEAD = """\
bank: {id: care, title: Care, topic: care}
questions:
  - id: care-q-001
    type: TYPE
    difficulty: 1
    stem: What should the client be told about the treated area?
"""

TAIL = """\
    explanation: The new skin reacts strongly to light.
    sources:
      - {doc: doc1, quote: "protect the treated area from the sun"}
"""


def options(*texts: str, right: set[str]) -> str:
    lines = ["    options:"]
    for text in texts:
        mark = ", correct: true" if text in right else ""
        lines.append(f"      - {{text: {text}{mark}}}")
    return "\n".join(lines) + "\n"


def pairs(*matches: tuple[str, str]) -> str:
    lines = ["    pairs:"]
    lines += [f"      - {{left: {left}, right: {right}}}" for left, right in matches]
    return "\n".join(lines) + "\n"


A, B, C, D = "Keep it out of the sun", "Keep it moist", "Scrub it daily", "Use a sauna"
CASES = {
    "single": (
        options(A, B, C, D, right={A}),
        options(D, B, A, C, right={C}),
    ),
    "multiple": (
        options(A, B, C, D, right={A, B}),
        options(C, A, D, B, right={C, D}),
    ),
    "matching": (
        pairs(("Sun", "Cover up"), ("Water", "Rinse gently"), ("Heat", "Stay cool")),
        pairs(("Heat", "Cover up"), ("Sun", "Stay cool"), ("Water", "Rinse gently")),
    ),
}


def content(folder: Path, kind: str, body: str) -> Path:
    write(folder / "quizzes" / "topics.yaml", TOPICS)
    write(folder / "quizzes" / "sources.yaml", SOURCES)
    write(folder / "quizzes" / "quizzes.yaml", QUIZ)
    write(folder / "quizzes" / "banks" / "care.yaml", HEAD.replace("TYPE", kind) + body + TAIL)
    write(folder / "seeds" / "doc1.txt", SEED)
    return folder


def catalogue_of(folder: Path) -> Catalogue:
    cat = load([folder / "quizzes"], sources_dir=folder / "seeds")
    assert [str(p) for p in cat.problems] == []
    return cat


def shown(cat: Catalogue, seed: int) -> tuple[tuple[str, ...], ...]:
    """The texts of the question as the attempt with ``seed`` shows them, in their places."""
    (placed,) = assemble(cat.quizzes["check"], cat, seed)
    snap = placed.snapshot
    return (
        tuple(snap.options[i].text for i in placed.option_order),
        tuple(snap.pairs[i][0] for i in placed.left_order),
        tuple(snap.pairs[i][1] for i in placed.right_order),
    )


def sent(at: AppTest) -> list[bytes]:
    """Every element and block of the page, as the protobuf message the browser would get."""
    found: list[bytes] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            found.append(proto.SerializeToString(deterministic=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def render(folder: Path, backend: str, seed: int, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The exam's question page for a trainee of a fresh database, on the attempt of ``seed``."""
    with throwaway_database(backend, folder) as url, app_on(monkeypatch, url):
        monkeypatch.setenv("RESURFACE_QUIZZES", str(folder / "quizzes"))
        monkeypatch.setenv("RESURFACE_SOURCES", str(folder / "seeds"))
        engine = open_store(url)
        try:
            boss = accounts.init_first_manager(engine, "boss", PW)
            ann = accounts.create_user(engine, boss, "ann", PW, "trainee", "north")
            cat = catalogue_of(folder)
            view = attempts.start(engine, ann, cat.quizzes["check"], cat, seed=seed)
            at = open_page(sign_in("ann"), "quiz", attempt=view.id, q=1)
            assert at.get("radio") or at.get("checkbox") or at.get("selectbox")
            return sent(at)
        finally:
            engine.dispose()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("kind", CASES)
def test_the_page_is_the_same_whichever_options_are_right(kind, backend, tmp_path, monkeypatch):
    first, second = (
        content(tmp_path / f"bank{n}", kind, body) for n, body in enumerate(CASES[kind])
    )
    one, two = catalogue_of(first), catalogue_of(second)
    # One permutation shows two different YAML orders differently, so each has its own seed.
    other = next(s for s in range(10_000) if shown(two, s) == shown(one, 0))
    assert render(first, backend, 0, monkeypatch) == render(second, backend, other, monkeypatch)
