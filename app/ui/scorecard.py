"""A finished attempt's headline: score, pass or fail, time taken, and whether time ran out."""

from __future__ import annotations

import streamlit as st

from app import present
from app.attempts import AttemptView
from app.ui import a11y, fmt


def metrics(view: AttemptView) -> None:
    """Three metrics side by side, then a warning if the deadline closed the attempt.

    Raises ValueError for an open attempt: it has no score yet."""
    if view.points is None or view.max_points is None or view.submitted_at is None:
        raise ValueError(f"attempt {view.id} is still open: it has no score yet")
    # A row that stays a row on a phone (columns would stack three screen-high figures there);
    # a11y.styles makes the figures smaller at that width.
    row = st.container(horizontal=True, key=a11y.SCORECARD_KEY)

    row.metric(
        "Score",
        fmt.percent(view.score_percent),
        present.points_of(view.points, view.max_points),
        delta_color="off",
        delta_arrow="off",
    )
    row.metric(
        "Result",
        "Passed" if view.passed else "Not passed",
        f"pass mark {view.quiz.pass_mark:g}%",
        delta_color="off",
        delta_arrow="off",
    )
    row.metric(
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
