"""A finished attempt's headline: score, pass or fail, time taken, and whether time ran out."""

from __future__ import annotations

import streamlit as st

from app import present
from app.attempts import AttemptView
from app.ui import fmt


def metrics(view: AttemptView) -> None:
    """Three metrics side by side, then a warning if the deadline closed the attempt.

    Raises ValueError for an open attempt: it has no score yet."""
    if view.points is None or view.max_points is None or view.submitted_at is None:
        raise ValueError(f"attempt {view.id} is still open: it has no score yet")
    score_col, mark_col, time_col = st.columns(3)
    score_col.metric(
        "Score",
        fmt.percent(view.score_percent),
        present.points_of(view.points, view.max_points),
        delta_color="off",
        delta_arrow="off",
    )
    mark_col.metric(
        "Result",
        "Passed" if view.passed else "Not passed",
        f"pass mark {view.quiz.pass_mark:g}%",
        delta_color="off",
        delta_arrow="off",
    )
    time_col.metric(
        "Time taken",
        fmt.duration(view.submitted_at - view.started_at),
        fmt.day(view.submitted_at),
        delta_color="off",
        delta_arrow="off",
    )
    if view.closed_by == "deadline":
        st.warning(
            "Time ran out: the attempt was submitted with the answers saved before the deadline."
        )
