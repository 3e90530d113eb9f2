"""The question bank as trainers browse it: filters, coverage tables, which quizzes draw what."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from app import banktables
from app.bank import load
from app.banktables import TOTAL, QuestionFilters
from app.config import quizzes_dir, sources_dir

SOURCES = """\
sources:
  - {id: doc1, title: Doc one, summary: A made-up aftercare leaflet.}
  - {id: doc2, title: Doc two, summary: A made-up planning leaflet.}
  - {id: doc3, title: Doc three, summary: Cited by nobody.}
"""

PLANNING = """\
bank: {id: plans, title: Plans, topic: planning}
questions:
  - id: plan-sessions-001
    type: true_false
    difficulty: 2
    stem: Most clients need more than one session.
    answer: true
    explanation: Deeper damage takes several treatments.
    sources:
      - {doc: doc2, quote: "most people need several sessions"}
      - {doc: doc2, quote: "it depends on the damage"}
  - id: plan-areas-002
    type: matching
    difficulty: 3
    stem: Match each area with how it is treated.
    pairs:
      - {left: Face, right: Full passes}
      - {left: Neck, right: Gentler settings}
      - {left: Hands, right: Spot treatment}
    explanation: Thinner skin needs gentler settings.
    sources:
      - {doc: doc1, quote: "protect the treated area"}
      - {doc: doc2, quote: "face, neck and hands areas"}
    tags: [areas]
"""

QUIZZES = """\
quizzes:
  - id: care-practice
    title: Care practice
    description: Only the care bank.
    mode: practice
    draw: [{topic: care, count: 1}]
    pass_mark: 70
  - id: areas
    title: Areas
    description: Only questions tagged areas.
    mode: exam
    draw: [{tags: [areas], count: 1}]
    pass_mark: 70
"""


@pytest.fixture
def cat(check):
    """Two banks over two topics, three documents (one cited by none) and two quizzes."""
    found = check(
        {"sources.yaml": SOURCES, "banks/plans.yaml": PLANNING, "quizzes.yaml": QUIZZES},
        sources=False,
    )
    assert not found.problems, [str(p) for p in found.problems]
    return found


@pytest.fixture
def frame(cat):
    return banktables.questions_frame(cat)


def qids(frame: pd.DataFrame) -> list[str]:
    return list(frame["qid"])


def test_one_row_per_question_with_where_it_is_written(cat, frame):
    assert list(frame.columns) == banktables.QUESTION_COLUMNS
    assert qids(frame) == ["care-sun-001", "plan-sessions-001", "plan-areas-002"]
    care = frame.iloc[0]
    assert (care["topic_title"], care["type"], care["difficulty"]) == ("Care", "single", 1)
    assert care["case"] is None
    assert (care["file"], care["line"]) == ("banks/care.yaml", 5)
    assert frame.iloc[1]["docs"] == ("doc2",), "a document cited twice is listed once"
    assert frame.iloc[2]["docs"] == ("doc1", "doc2")


def test_summary_counts_questions_banks_quizzes_and_problems(cat, check):
    assert banktables.summary(cat) == "3 questions in 2 banks, 2 quizzes, no problems"
    broken = check(
        {"banks/plans.yaml": PLANNING.replace("difficulty: 2", "difficulty: 4")}, sources=False
    )
    assert banktables.summary(broken) == "2 questions in 2 banks, 2 quizzes, 1 problem"


def test_no_filter_keeps_everything_in_order(frame):
    assert not QuestionFilters().active
    assert qids(banktables.filter_questions(frame, QuestionFilters())) == qids(frame)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cold water", ["care-sun-001"]),  # an option
        ("COLD", ["care-sun-001"]),  # any case
        ("reacts strongly", ["care-sun-001"]),  # the explanation
        ("plan-areas", ["plan-areas-002"]),  # the id
        ("areas", ["plan-areas-002"]),  # a tag (and the id)
        ("gentler", ["plan-areas-002"]),  # a matching pair
        ("session", ["plan-sessions-001"]),  # the stem
        ("sun session", []),  # every word must be there
        ('"water gentle"', []),  # a quoted phrase is one word
        ('"cold   water" sun', ["care-sun-001"]),
        ("nothing-like-this", []),
        ("   ", ["care-sun-001", "plan-sessions-001", "plan-areas-002"]),
    ],
)
def test_text_search_looks_in_every_part_of_a_question(frame, text, expected):
    assert qids(banktables.filter_questions(frame, QuestionFilters(text=text))) == expected


def test_search_covers_the_case(check):
    cat = check(
        {
            "banks/care.yaml": (
                "bank: {id: care, title: Care, topic: care}\n"
                "cases:\n"
                "  - {id: care-case-beach, title: Beach trip, vignette: Flies to the coast.}\n"
                "questions:\n"
                "  - id: care-sun-001\n"
                "    type: true_false\n"
                "    difficulty: 1\n"
                "    stem: Should she wear sunscreen?\n"
                "    answer: true\n"
                "    explanation: Yes.\n"
                "    case: care-case-beach\n"
                "    sources: [{doc: doc1, quote: protect the treated area from the sun}]\n"
            )
        },
        sources=False,
    )
    frame = banktables.questions_frame(cat)
    assert frame.iloc[0]["case"] == "Beach trip"
    assert qids(banktables.filter_questions(frame, QuestionFilters(text="coast"))) == [
        "care-sun-001"
    ]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (QuestionFilters(topics=("planning",)), ["plan-sessions-001", "plan-areas-002"]),
        (QuestionFilters(types=("single", "matching")), ["care-sun-001", "plan-areas-002"]),
        (QuestionFilters(difficulties=(2, 3)), ["plan-sessions-001", "plan-areas-002"]),
        (QuestionFilters(docs=("doc1",)), ["care-sun-001", "plan-areas-002"]),
        (QuestionFilters(docs=("doc3",)), []),
        (QuestionFilters(topics=("planning",), difficulties=(3,)), ["plan-areas-002"]),
        (QuestionFilters(topics=("planning",), text="sun"), []),
    ],
)
def test_filters_combine_with_and_values_within_one_with_or(frame, filters, expected):
    assert filters.active
    assert qids(banktables.filter_questions(frame, filters)) == expected


def test_coverage_by_type_has_every_topic_and_type_with_totals(cat, frame):
    table = banktables.coverage_by(cat, frame, "type")
    assert list(table.index) == ["Care", "Planning", TOTAL]
    assert list(table.columns) == [*banktables.TYPE_LABELS.values(), TOTAL]
    assert table.loc["Care"].tolist() == [1, 0, 0, 0, 1]
    assert table.loc["Planning"].tolist() == [0, 0, 1, 1, 2]
    assert table.loc[TOTAL].tolist() == [1, 0, 1, 1, 3]


def test_coverage_by_difficulty(cat, frame):
    table = banktables.coverage_by(cat, frame, "difficulty")
    assert list(table.columns) == [*banktables.DIFFICULTY_LABELS.values(), TOTAL]
    assert table.loc["Planning"].tolist() == [0, 1, 1, 2]
    assert table.loc[TOTAL].tolist() == [1, 1, 1, 3]


def test_a_topic_without_questions_counts_zero(check):
    cat = check({}, sources=False)  # topics care and planning; only care has a bank
    table = banktables.coverage_by(cat, banktables.questions_frame(cat), "type")
    assert table.loc["Planning"].tolist() == [0, 0, 0, 0, 0]


def test_coverage_is_by_type_or_difficulty_only(cat, frame):
    with pytest.raises(ValueError, match="type or difficulty"):
        banktables.coverage_by(cat, frame, "bank")


def test_coverage_by_source_counts_questions_quotes_and_topics(cat, frame):
    docs = banktables.coverage_by_source(cat, frame).set_index("doc")
    assert list(docs.index) == ["doc1", "doc2", "doc3"]
    assert docs.loc["doc1"].tolist() == ["Doc one", 2, 2, 2]
    assert docs.loc["doc2"].tolist() == ["Doc two", 2, 3, 1]
    assert docs.loc["doc3"].tolist() == ["Doc three", 0, 0, 0]
    assert banktables.uncited(cat) == ["doc3"]


def test_drawn_by_and_never_drawn_follow_the_blueprints(cat):
    assert banktables.drawn_by(cat) == {
        "care-sun-001": ["care-practice"],
        "plan-sessions-001": [],
        "plan-areas-002": ["areas"],
    }
    assert banktables.never_drawn(cat) == ["plan-sessions-001"]
    pools = banktables.quiz_pools(cat)
    assert pools[["quiz", "asks", "pool"]].values.tolist() == [
        ["care-practice", 1, 1],
        ["areas", 1, 1],
    ]


def test_question_stats_one_row_per_quiz_even_unanswered():
    items = pd.DataFrame(
        {
            "responses": [12],
            "facility": [0.25],
            "discrimination": [0.4],
            "flags": [["weak discrimination: r=0.11 < 0.2", "too hard"]],
            "provisional": [True],
        },
        index=pd.Index(["q1"], name="qid"),
    )
    empty = items.iloc[0:0]
    stats = banktables.question_stats("q1", {"exam": items, "practice": empty}, {"exam": "Exam"})
    assert list(stats.columns) == banktables.STATS_COLUMNS
    exam, practice = stats.to_dict("records")
    assert exam["title"] == "Exam"
    assert (exam["responses"], exam["facility"], exam["discrimination"]) == (12, 0.25, 0.4)
    assert exam["flags"] == "weak discrimination: r=0.11 < 0.2; too hard"
    assert practice["title"] == "practice", "a quiz without a title shows its id"
    assert practice["responses"] == 0
    assert math.isnan(practice["facility"])


# --- the shipped banks -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped():
    return load([quizzes_dir()], sources_dir=sources_dir())


def test_shipped_coverage_counts_every_question_once(shipped):
    frame = banktables.questions_frame(shipped)
    assert len(frame) == len(shipped.entries) > 100
    for column in ("type", "difficulty"):
        table = banktables.coverage_by(shipped, frame, column)
        assert table.loc[TOTAL, TOTAL] == len(frame)
        assert (table.drop(index=TOTAL).drop(columns=TOTAL) > 0).any(axis=1).all()
    by_topic = frame.groupby("topic").size()
    assert by_topic.index.isin(list(shipped.topics)).all()


def test_shipped_filters_partition_the_bank(shipped):
    frame = banktables.questions_frame(shipped)
    for column, field in (("topic", "topics"), ("type", "types"), ("difficulty", "difficulties")):
        parts = [
            banktables.filter_questions(frame, QuestionFilters(**{field: (value,)}))
            for value in sorted(set(frame[column]))
        ]
        assert sum(len(p) for p in parts) == len(frame)
        assert sorted(q for p in parts for q in p["qid"]) == sorted(frame["qid"])


def test_shipped_search_finds_what_the_stems_say(shipped):
    frame = banktables.questions_frame(shipped)
    found = banktables.filter_questions(frame, QuestionFilters(text="SUN"))
    by_stem = frame[frame["stem"].str.casefold().str.contains("sun")]
    assert set(by_stem["qid"]) <= set(found["qid"])
    assert 0 < len(found) < len(frame)


def test_shipped_sources_are_all_cited_and_every_question_is_drawn(shipped):
    frame = banktables.questions_frame(shipped)
    docs = banktables.coverage_by_source(shipped, frame)
    assert list(docs["doc"]) == list(shipped.sources)
    assert (docs["questions"] > 0).all()
    assert banktables.uncited(shipped) == []
    assert banktables.never_drawn(shipped) == []
