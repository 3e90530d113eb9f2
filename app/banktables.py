"""The question bank as trainers browse it: one row per question, filters, coverage, usage.

Pandas in, pandas out; no I/O. The UI turns these frames into tables (app/ui/views/bank.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from app.bank import Catalogue, Entry, forms
from app.bank.problems import Problem
from app.bank.schema import QUESTION_TYPES
from app.bank.text import plural
from app.present import TYPE_LABELS

DIFFICULTY_LABELS = {1: "1 · recall", 2: "2 · application", 3: "3 · judgement"}
TOTAL = "Total"

QUESTION_COLUMNS = [
    "qid",
    "topic",
    "topic_title",
    "type",
    "difficulty",
    "stem",
    "case",
    "bank",
    "tags",
    "docs",
    "file",
    "line",
    "text",
    "secure",
    "warnings",
]
STATS_COLUMNS = ["quiz", "title", "responses", "facility", "discrimination", "flags", "provisional"]


def topic_title(catalogue: Catalogue, topic: str) -> str:
    """The topic's title from topics.yaml, or its id when it has none."""
    found = catalogue.topics.get(topic)
    return found.title if found else topic


def searchable(entry: Entry) -> str:
    """What a text search looks in, lower-cased: id, stem, options, explanation, tags, case."""
    q = entry.question
    parts = [q.id, q.stem, q.explanation, *q.tags]
    parts += [o.text for o in getattr(q, "options", None) or []]
    parts += [f"{p.left} {p.right}" for p in getattr(q, "pairs", None) or []]
    if entry.case:
        parts += [entry.case.id, entry.case.title, entry.case.vignette]
    return "\n".join(parts).casefold()


def summary(catalogue: Catalogue) -> str:
    """``143 questions in 8 banks, 10 quizzes, 2 problems`` (or ``no problems``)."""
    found = len(catalogue.problems)
    return (
        f"{plural(len(catalogue.entries), 'question')} in {plural(len(catalogue.banks), 'bank')}, "
        f"{plural(len(catalogue.quizzes), 'quiz', 'quizzes')}, "
        + (plural(found, "problem") if found else "no problems")
    )


def questions_frame(catalogue: Catalogue) -> pd.DataFrame:
    """One row per valid question, in catalogue order (bank files in order, then YAML order).

    Columns: qid, topic, topic_title, type, difficulty, stem, case (title or None), bank, tags
    (tuple), docs (cited document ids, tuple, in order, no repeats), file, line, text (what a
    search looks in), secure (exam-only), warnings (how many item-writing warnings).
    """
    flagged = warnings_of(catalogue)
    rows = []
    for qid, entry in catalogue.entries.items():
        q = entry.question
        rows.append(
            (
                qid,
                entry.topic,
                topic_title(catalogue, entry.topic),
                q.type,
                q.difficulty,
                q.stem,
                entry.case.title if entry.case else None,
                entry.bank,
                tuple(q.tags),
                tuple(dict.fromkeys(s.doc for s in q.sources)),
                entry.file,
                entry.line,
                searchable(entry),
                q.exam_only,
                len(flagged.get(qid, ())),
            )
        )
    frame = pd.DataFrame(rows, columns=QUESTION_COLUMNS)
    return frame.astype(
        {"difficulty": "int64", "line": "int64", "secure": bool, "warnings": "int64"}
    )


def warnings_of(catalogue: Catalogue) -> dict[str, list[Problem]]:
    """Each question's item-writing warnings, in file order (a quiz's own are left out)."""
    out: dict[str, list[Problem]] = {}
    for w in catalogue.warnings:
        if w.subject in catalogue.entries:
            out.setdefault(w.subject, []).append(w)
    return out


@dataclass(frozen=True)
class QuestionFilters:
    """What to show; an empty selection means every value."""

    text: str = ""
    topics: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    difficulties: tuple[int, ...] = ()
    docs: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return bool(
            self.text.strip() or self.topics or self.types or self.difficulties or self.docs
        )


def search_words(text: str) -> list[str]:
    """The words of a search, lower-cased; a "quoted phrase" counts as one word."""
    words: list[str] = []
    for i, part in enumerate(text.split('"')):
        if i % 2:
            phrase = " ".join(part.split())
            words += [phrase.casefold()] if phrase else []
        else:
            words += [w.casefold() for w in part.split()]
    return words


def filter_questions(frame: pd.DataFrame, filters: QuestionFilters) -> pd.DataFrame:
    """The rows of ``questions_frame`` that match every filter, in the same order.

    A text search keeps questions that contain every word (any case) somewhere in their id,
    stem, options, explanation, tags or case; a cited document filter keeps questions that cite
    any of the chosen documents.
    """
    keep = pd.Series(True, index=frame.index)
    if filters.topics:
        keep &= frame["topic"].isin(filters.topics)
    if filters.types:
        keep &= frame["type"].isin(filters.types)
    if filters.difficulties:
        keep &= frame["difficulty"].isin(filters.difficulties)
    if filters.docs:
        wanted = set(filters.docs)
        keep &= frame["docs"].map(lambda docs: not wanted.isdisjoint(docs)).astype(bool)
    for word in search_words(filters.text):
        keep &= frame["text"].str.contains(word, regex=False)
    return frame[keep]


def _topics(catalogue: Catalogue, frame: pd.DataFrame) -> list[str]:
    """Topics in topics.yaml order, then any others questions use."""
    return list(catalogue.topics) + sorted(set(frame["topic"]) - set(catalogue.topics))


def coverage_by(catalogue: Catalogue, frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Questions per topic (rows, by title, with a Total row) and ``column`` (type or difficulty).

    Every topic and every value appears, with 0 where there is none; a last Total column sums
    each row. Raises ValueError for another column.
    """
    values: list[Any]  # a type is named by its str, a difficulty by its int
    labels: Mapping[Any, str]
    if column == "type":
        values, labels = list(QUESTION_TYPES), TYPE_LABELS
    elif column == "difficulty":
        values, labels = list(DIFFICULTY_LABELS), DIFFICULTY_LABELS
    else:
        raise ValueError(f"coverage is by type or difficulty, not {column!r}")
    topics = _topics(catalogue, frame)
    counts = pd.crosstab(frame["topic"], frame[column]) if len(frame) else pd.DataFrame()
    table = counts.reindex(index=topics, columns=values, fill_value=0).fillna(0).astype("int64")
    table.index = pd.Index([topic_title(catalogue, t) for t in topics], name="Topic")
    table.columns = [labels[v] for v in values]
    table.loc[TOTAL] = table.sum()
    table[TOTAL] = table.sum(axis=1)
    return table


def coverage_by_source(catalogue: Catalogue, frame: pd.DataFrame) -> pd.DataFrame:
    """Per source document: how many questions cite it, how many quotes, across how many topics.

    Rows follow sources.yaml, then any document cited but not listed (title: its id). Columns:
    doc, title, questions, quotes, topics. A document no question cites has 0 questions.
    """
    questions: Counter[str] = Counter()
    quotes: Counter[str] = Counter()
    topics: dict[str, set[str]] = {}
    shown = set(frame["qid"])
    for qid, entry in catalogue.entries.items():
        if qid not in shown:
            continue
        cited = [s.doc for s in entry.question.sources]
        quotes.update(cited)
        for doc in set(cited):
            questions[doc] += 1
            topics.setdefault(doc, set()).add(entry.topic)
    docs = list(catalogue.sources) + sorted(set(questions) - set(catalogue.sources))
    rows = [
        (
            doc,
            catalogue.sources[doc].title if doc in catalogue.sources else doc,
            questions[doc],
            quotes[doc],
            len(topics.get(doc, ())),
        )
        for doc in docs
    ]
    frame_out = pd.DataFrame(rows, columns=["doc", "title", "questions", "quotes", "topics"])
    return frame_out.astype({"questions": "int64", "quotes": "int64", "topics": "int64"})


def uncited(catalogue: Catalogue) -> list[str]:
    """Ids of the listed source documents that no valid question cites, in sources.yaml order."""
    cited = {s.doc for e in catalogue.entries.values() for s in e.question.sources}
    return [doc for doc in catalogue.sources if doc not in cited]


def _pools(catalogue: Catalogue) -> dict[str, set[str]]:
    """Per quiz, every question one of its draw lines can pick."""
    units = forms.units(catalogue)
    return {
        quiz.id: forms.drawable(quiz, forms.line_pools(quiz, units))
        for quiz in catalogue.quizzes.values()
    }


def drawn_by(catalogue: Catalogue) -> dict[str, list[str]]:
    """For every question, the quizzes whose blueprint can draw it (in quizzes.yaml order)."""
    pools = _pools(catalogue)
    return {
        qid: [quiz for quiz, found in pools.items() if qid in found] for qid in catalogue.entries
    }


def never_drawn(catalogue: Catalogue) -> list[str]:
    """Questions no quiz blueprint can draw (a trainee only meets them in a mistakes practice);
    a retired question or a draft is meant not to be drawn, so it is not listed."""
    return [
        qid
        for qid, quizzes in drawn_by(catalogue).items()
        if not quizzes and catalogue.entries[qid].question.drawable
    ]


def question_stats(
    qid: str, items: Mapping[str, pd.DataFrame], titles: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """One question's item statistics in each quiz, from each quiz's ``ItemAnalysis.items``.

    ``items`` maps quiz id to that quiz's items frame (indexed by qid); a quiz whose attempts
    never held the question gets a row with 0 responses and no statistics. Columns as
    STATS_COLUMNS; flags joined with "; ". Rows keep the order of ``items``.
    """
    titles = titles or {}
    rows = []
    for quiz_id, table in items.items():
        title = titles.get(quiz_id, quiz_id)
        if qid in table.index:
            row = table.loc[qid]
            rows.append(
                (
                    quiz_id,
                    title,
                    int(row["responses"]),
                    float(row["facility"]),
                    float(row["discrimination"]),
                    "; ".join(row["flags"]),
                    bool(row["provisional"]),
                )
            )
        else:
            rows.append((quiz_id, title, 0, float("nan"), float("nan"), "", True))
    out = pd.DataFrame(rows, columns=STATS_COLUMNS)
    return out.astype({"responses": "int64", "facility": "float64", "discrimination": "float64"})


def doc_choices(catalogue: Catalogue) -> list[str]:
    """Documents a question can be filtered on: sources.yaml order, then unlisted cited ones."""
    cited: Iterable[str] = (s.doc for e in catalogue.entries.values() for s in e.question.sources)
    return list(catalogue.sources) + sorted(set(cited) - set(catalogue.sources))


def quiz_pools(catalogue: Catalogue) -> pd.DataFrame:
    """Per quiz: questions asked in one attempt and how many different ones it can draw.

    Columns: quiz, title, mode, asks, pool. A pool close to ``asks`` means trainees who retake
    the quiz meet the same questions again.
    """
    pools = _pools(catalogue)
    rows = [
        (quiz.id, quiz.title, quiz.mode, sum(d.count for d in quiz.draw), len(pools[quiz.id]))
        for quiz in catalogue.quizzes.values()
    ]
    out = pd.DataFrame(rows, columns=["quiz", "title", "mode", "asks", "pool"])
    return out.astype({"asks": "int64", "pool": "int64"})
