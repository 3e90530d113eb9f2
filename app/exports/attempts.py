"""The ``attempts`` export: one row per trainee attempt, with a score column per topic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pandas as pd

from app import present
from app.store import reports as report_store

MEANING = {
    "attempt_id": "the attempt's number",
    "username": "the trainee's username",
    "display_name": "the trainee's name as shown in the app",
    "cohort": "the trainee's cohort (clinic or site)",
    "quiz_id": "the quiz's id",
    "quiz_title": "the quiz's title when the attempt began",
    "mode": "exam or practice",
    "started_at": "when the attempt began, ISO 8601 in UTC (2026-05-04T08:30:00Z)",
    "submitted_at": "when it was submitted or closed at its deadline; empty while open",
    "duration_seconds": "submitted minus started, whole seconds",
    "status": "open or submitted",
    "points": "points scored (partial credit counts fractions of a point)",
    "max_points": "points available (one per question)",
    "score_percent": "points as a percentage of max_points, rounded down to 2 decimals",
    "pass_mark": "the quiz's pass mark (%) when the attempt began",
    "passed": "True if the score reached the pass mark; empty while open",
    "regraded_at": "when a regrade or void last changed the score, ISO 8601 in UTC; empty if "
    "never (points, score_percent and passed are then the new ones)",
    "original_points": "the points as scored at submission, before any regrade or void; empty "
    "if never regraded",
    "extra_minutes": "the minutes this attempt was given beyond the quiz's time limit (the "
    "trainee's accommodation when it began); empty if none",
    "extra_attempts": "the extra attempts the trainee's accommodation allowed at this quiz when "
    "the attempt began; empty if none",
    "topic_<id>_percent": "one column per topic met in the export: the score on that topic's "
    "questions, rounded as score_percent (empty if the attempt had none)",
}
COLUMNS = [c for c in MEANING if "<" not in c]


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC to the second, as every export writes times."""
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """COLUMNS, then ``topic_<id>_percent`` for every topic any of the attempts asked about."""
    topics = sorted({t for r in rows for t in (r["by_topic"] or {})})
    out = []
    for r in rows:
        done = r["submitted_at"]
        line = {
            "attempt_id": r["id"],
            **{c: r[c] for c in ("username", "display_name", "cohort", "quiz_id", "quiz_title")},
            "mode": r["mode"],
            "started_at": iso(r["started_at"]),
            "submitted_at": iso(done),
            "duration_seconds": round((done - r["started_at"]).total_seconds()) if done else None,
            "status": r["status"],
            "points": r["points"],
            "max_points": r["max_points"],
            "score_percent": present.export_percent(r["score_percent"]),
            "pass_mark": r["pass_mark"],
            "passed": r["passed"],
            "regraded_at": iso(r["regraded_at"]),
            "original_points": r["original_points"],
            "extra_minutes": r["extra_minutes"],
            "extra_attempts": r["extra_attempts"],
        }
        by_topic = r["by_topic"] or {}
        for topic in topics:
            points, most = by_topic.get(topic, (None, 0))
            line[f"topic_{topic}_percent"] = present.export_percent(
                100 * points / most if most else None
            )
        out.append(line)
    result = pd.DataFrame(out, columns=[*COLUMNS, *(f"topic_{t}_percent" for t in topics)])
    return result.astype(
        {
            "duration_seconds": "Int64",
            "max_points": "Int64",
            "extra_minutes": "Int64",
            "extra_attempts": "Int64",
        }
    )


def frames(job: Any, progress: Callable[[int, int], None]) -> Iterator[pd.DataFrame]:
    f = job.filters
    rows = report_store.for_export(job.conn, f.cohort, f.quiz_id, f.since, f.until)
    yield frame(rows)
    progress(len(rows), len(rows))
