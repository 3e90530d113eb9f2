"""The ``certifications`` export: one row per trainee per certification, as of a moment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from app import certification, certstatus
from app.exports.attempts import iso

MEANING = {
    "username": "the trainee's username",
    "display_name": "the trainee's name as shown in the app",
    "cohort": "the trainee's cohort (clinic or site)",
    "active": "False if the account is deactivated (its state when the export is made)",
    "certification": "the certification's name (certifies.name)",
    "quiz_id": "the quiz that grants it",
    "status": f"current, expiring (current, but ends {certstatus.WITHIN}), expired or never, as "
    "of the end of the To date (default: now)",
    "passed_at": "when the latest pass before that moment was submitted (or closed at its "
    "deadline), or, for a pass a regrade gave, when the regrade was applied; ISO 8601 in UTC; "
    "empty if never",
    "expires_at": "when that pass stops certifying: its submission plus the valid_months its quiz "
    "said when it was taken; empty if never",
    "best_score_percent": "the best score of any attempt at the quiz submitted before that "
    "moment, rounded down to 2 decimals; empty if none",
    "attempts": "attempts at the quiz begun before that moment, open and unfinished ones included",
}
COLUMNS = list(MEANING)


def frames(job: Any, progress: Callable[[int, int], None]) -> Iterator[pd.DataFrame]:
    """Every trainee in scope (deactivated ones too), with their status at ``job.as_of``."""
    roster = certification.trainee_statuses(
        job.engine,
        job.actor,
        job.catalogue,
        cohort=job.filters.cohort,
        quiz_id=job.filters.quiz_id,
        now=job.as_of,
        include_inactive=True,
    )
    out = roster.reindex(columns=COLUMNS).copy()
    for column in ("passed_at", "expires_at"):
        out[column] = [None if pd.isna(t) else iso(pd.Timestamp(t)) for t in roster[column]]
    out["attempts"] = roster["attempts"].astype("Int64")
    yield out
    progress(len(out), len(out))
