"""The ``responses`` export: one row per question per attempt, answers as readable text.

Answers are read from each attempt's own snapshots, so the text is what the trainee was shown,
even if the bank has been edited since. Large exports are read and written in chunks of attempts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from typing import Any

import numpy as np
import pandas as pd

from app import present
from app.store import attempts as store
from app.store import reports as report_store

MEANING = {
    "attempt_id": "the attempt's number (as in the attempts export)",
    "username": "the trainee's username",
    "cohort": "the trainee's cohort",
    "quiz_id": "the quiz's id",
    "question_number": "the question's place in the attempt, from 1",
    "question_id": "the question's id in the banks",
    "topic": "the question's topic id",
    "type": "single, multiple, true_false or matching",
    "answer": "what the trainee chose, in words (options joined by ' | ', pairs as "
    "'left → right'); empty if unanswered",
    "correct_answer": "the right answer, written the same way",
    "correct": "True for full marks, False otherwise; empty while the attempt is open",
    "points": "0 to 1 (partial credit); 0 if unanswered; empty while the attempt is open",
    "answered_at": "when the answer was last saved, ISO 8601 in UTC; empty if unanswered",
}
COLUMNS = list(MEANING)
ATTEMPTS_PER_CHUNK = 2000


def _words(content: dict[str, Any]) -> tuple[str, list[str], list[tuple[str, str]]]:
    """A stored snapshot's type, option texts and pairs, as app.present words answers from."""
    options = [o["text"] for o in content.get("options") or []]
    pairs = [(p["left"], p["right"]) for p in content.get("pairs") or []]
    return content["type"], options, pairs


def answer_text(content: dict[str, Any], answer: Any) -> str:
    """An answer in canonical form (see app.engine) as the words the trainee chose."""
    return present.answer_cell(*_words(content), answer)


def key_text(content: dict[str, Any]) -> str:
    """The right answer to a question as readable text, written as answers are."""
    kind = content["type"]
    right = [i for i, o in enumerate(content.get("options") or []) if o["correct"]]
    if kind == "single":
        key: Any = right[0]
    elif kind == "multiple":
        key = right
    elif kind == "true_false":
        key = content["answer"]
    else:
        key = list(range(len(content.get("pairs") or [])))
    return answer_text(content, key)


def _iso(value: Any) -> str | None:
    """The driver's answered_at (text on SQLite, a datetime on PostgreSQL) in export form."""
    if value is None:
        return None
    if isinstance(value, str):  # "2026-05-04 08:30:00.123456", already UTC
        return f"{value[:10]}T{value[11:19]}Z"
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Questions:
    """What each snapshot contributes to a row, worked out once per snapshot or answer."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.contents: dict[str, dict[str, Any]] = {}
        self.fixed: dict[str, tuple[str, str, str, str]] = {}
        self.texts: dict[tuple[str, str], str] = {}

    def load(self, hashes: set[str]) -> None:
        missing = sorted(hashes - self.contents.keys())
        if missing:
            self.contents.update(store.snapshot_contents(self.conn, missing))
            for h in missing:
                c = self.contents[h]
                self.fixed[h] = (c["qid"], c["topic"], c["type"], _or_raw(key_text, c))

    def text(self, snapshot: str, answer: str | None) -> str:
        if answer is None:
            return ""
        found = self.texts.get((snapshot, answer))
        if found is None:
            content = self.contents[snapshot]
            found = _or_raw(lambda c: answer_text(c, json.loads(answer)), content, answer)
            self.texts[(snapshot, answer)] = found
        return found


def _or_raw(render: Callable[[dict[str, Any]], str], content: dict[str, Any], raw: str = "") -> str:
    # A stored answer that no longer fits its snapshot is exported as stored rather than lost.
    try:
        return render(content)
    except (IndexError, KeyError, TypeError, ValueError, StopIteration):
        return raw


def _chunk(
    part: list[dict[str, Any]], rows: Sequence[tuple], questions: _Questions
) -> pd.DataFrame:
    ids = np.array([a["id"] for a in part], dtype=np.int64)
    attempt_id = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    at = np.searchsorted(ids, attempt_id)

    def per_attempt(field: str) -> pd.Categorical:
        return pd.Categorical(np.array([a[field] for a in part], dtype=object)[at])

    questions.load({r[2] for r in rows})
    fixed = [questions.fixed[r[2]] for r in rows]
    submitted = np.array([a["status"] == "submitted" for a in part], dtype=bool)[at]
    points = np.array([np.nan if r[4] is None else r[4] for r in rows], dtype=np.float64)
    points[submitted & np.isnan(points)] = 0.0  # unanswered in a closed attempt: no points
    right = np.fromiter((present.is_correct(p) for p in points), dtype=bool, count=len(points))
    # None spelled as the object array numpy makes of it: numpy's stubs do not take a bare None.
    correct = np.where(submitted, right, np.array(None, dtype=object)).astype(object)
    return pd.DataFrame(
        {
            "attempt_id": attempt_id,
            "username": per_attempt("username"),
            "cohort": per_attempt("cohort"),
            "quiz_id": per_attempt("quiz_id"),
            "question_number": np.fromiter((r[1] + 1 for r in rows), np.int64, len(rows)),
            "question_id": pd.Categorical([f[0] for f in fixed]),
            "topic": pd.Categorical([f[1] for f in fixed]),
            "type": pd.Categorical([f[2] for f in fixed]),
            "answer": pd.Categorical([questions.text(r[2], r[3]) for r in rows]),
            "correct_answer": pd.Categorical([f[3] for f in fixed]),
            "correct": correct,
            "points": points,
            "answered_at": [_iso(r[5]) for r in rows],
        },
        columns=COLUMNS,
    )


def frames(job: Any, progress: Callable[[int, int], None]) -> Iterator[pd.DataFrame]:
    """The export in chunks of ATTEMPTS_PER_CHUNK attempts, reporting attempts done of all."""
    f, conn = job.filters, job.conn
    attempts = report_store.for_export(conn, f.cohort, f.quiz_id, f.since, f.until)
    questions = _Questions(conn)
    yield pd.DataFrame(columns=COLUMNS)  # the header, even when nothing matches
    for start in range(0, len(attempts), ATTEMPTS_PER_CHUNK):
        part = attempts[start : start + ATTEMPTS_PER_CHUNK]
        rows = store.export_questions(conn, [a["id"] for a in part])
        yield _chunk(part, rows, questions)
        progress(start + len(part), len(attempts))
