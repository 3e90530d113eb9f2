"""The shipped content: valid against the real source documents, and as broad as promised."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from app import config
from app.bank import Catalogue, load

BIG_TOPICS = ("ablative", "contraindications", "aftercare", "certification")
SMALL_TOPICS = ("side-effects", "recovery", "planning", "collagen")


@pytest.fixture(scope="module")
def shipped() -> Catalogue:
    """The shipped content's structure (quotes are checked below, against the documents)."""
    return load([config.quizzes_dir()], root=config.PROJECT_ROOT)


def test_shipped_content_has_no_problems_against_the_source_documents(sources: Path):
    checked = load([config.quizzes_dir()], sources_dir=sources, root=config.PROJECT_ROOT)
    assert [str(p) for p in checked.problems] == []
    assert len(checked.entries) >= 90


def test_shipped_content_has_no_problems_of_structure(shipped):
    assert [str(p) for p in shipped.problems] == []


def test_every_topic_has_a_bank_and_enough_questions(shipped):
    per_topic = Counter(e.topic for e in shipped.entries.values())
    assert set(shipped.topics) == set(BIG_TOPICS + SMALL_TOPICS)
    assert {t: per_topic[t] for t in BIG_TOPICS if per_topic[t] < 12} == {}
    assert {t: per_topic[t] for t in SMALL_TOPICS if per_topic[t] < 6} == {}
    assert len(shipped.entries) >= 90


def test_single_best_answer_by_default_and_every_type_in_use(shipped):
    per_type = Counter(e.question.type for e in shipped.entries.values())
    total = sum(per_type.values())
    assert per_type["single"] >= 0.7 * total  # single best answer by default
    assert per_type["true_false"] <= 0.15 * total
    assert min(per_type[t] for t in ("multiple", "true_false", "matching")) >= 1  # all shown


def test_case_based_questions(shipped):
    cased = [e for e in shipped.entries.values() if e.case]
    assert len(cased) >= 10
    assert len({e.case.id for e in cased}) >= 4


def test_every_source_document_is_cited(shipped):
    cited = Counter(ref.doc for e in shipped.entries.values() for ref in e.question.sources)
    assert set(cited) == set(shipped.sources)


def test_required_quizzes_ship(shipped):
    quizzes = shipped.quizzes
    exam = next(q for q in quizzes.values() if q.title == "Laser resurfacing certification exam")
    assert sum(d.count for d in exam.draw) == 30
    assert {d.topic for d in exam.draw} == set(shipped.topics)
    assert (exam.mode, exam.pass_mark, exam.time_limit_minutes, exam.max_attempts) == (
        "exam",
        80,
        45,
        3,
    )
    assert exam.certifies is not None
    assert exam.certifies.valid_months == 12
    assert sum(d.count for d in quizzes["quick-check"].draw) == 10
    practice_topics = {d.topic for q in quizzes.values() if q.mode == "practice" for d in q.draw}
    assert practice_topics == set(shipped.topics)
