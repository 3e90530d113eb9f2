"""Data for trainers' reports, read with the actor's permissions, as pandas frames.

Trainers see the trainees of their own cohort; managers see every trainee, or one cohort.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from app.accounts import Forbidden, User
from app.store import attempts as q

RESPONSE_COLUMNS = [
    "attempt_id",
    "user_id",
    "submitted_at",
    "position",
    "qid",
    "points",
    "choice",
]


def _cohort_for(actor: User, cohort: str | None) -> str | None:
    """The cohort the actor may report on. Raises Forbidden."""
    if not actor.active or actor.role == "trainee":
        raise Forbidden("reports are for trainers and managers")
    if actor.role == "trainer":
        if cohort is not None and cohort != actor.cohort:
            raise Forbidden(f"trainers see their own cohort only, not '{cohort}'")
        return actor.cohort
    return cohort


def _choices(answers: pd.Series) -> pd.Series:
    """The option picked, for distractor analysis: a single-choice index or true/false, else None.

    ``answers`` holds each answer's JSON text ('2', 'true', '[0, 1]', 'null') or None.
    """
    numbers = pd.to_numeric(answers, errors="coerce")
    choice = pd.Series(None, index=answers.index, dtype="object")
    is_index = numbers.notna()
    choice[is_index] = numbers[is_index].astype("int64").astype("object")
    choice[answers == "true"] = True
    choice[answers == "false"] = False
    return choice


def quiz_responses(
    engine: Engine, actor: User, quiz_id: str, cohort: str | None = None
) -> pd.DataFrame:
    """One row per question of every submitted trainee attempt at ``quiz_id`` the actor may see.

    Columns: attempt_id, user_id, submitted_at, position, qid, points (0 when unanswered), choice.
    Raises Forbidden.
    """
    scope = _cohort_for(actor, cohort)
    with engine.connect() as conn:
        frame = q.quiz_responses(conn, quiz_id, scope)
    frame["points"] = frame["points"].astype("float64").fillna(0.0)
    frame["choice"] = _choices(frame["answer"])
    return frame[RESPONSE_COLUMNS]
