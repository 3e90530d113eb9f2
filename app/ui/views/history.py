"""Every finished attempt, a score-over-time chart, and a practice made of recent mistakes."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import progress
from app.attempts import AttemptError
from app.ui import fmt, nav
from app.ui.resources import catalogue, engine


def _practise_mistakes() -> None:
    user = nav.require("history")
    try:
        view = progress.start_mistakes(engine(), user, catalogue())
    except (progress.NoMistakes, AttemptError) as exc:
        nav.notice(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", "info")
        return
    st.session_state["history.go"] = view.id


def render() -> None:
    user = nav.require("history")
    target = st.session_state.pop("history.go", None)
    if target is not None:
        nav.go("quiz", attempt=target)
    st.title("History")
    nav.show_notice()
    rows = progress.history(engine(), user, user.id)
    st.button(
        "Practise my mistakes",
        key="history.mistakes",
        on_click=_practise_mistakes,
        icon=":material/replay:",
        type="primary",
        help="A practice quiz, with feedback, of the questions you got wrong the last time.",
    )
    if not rows:
        st.info("No finished attempts yet. Start a quiz from your home page.")
        return
    table = pd.DataFrame(
        {
            "When": [fmt.local(r["submitted_at"]) for r in rows],
            "Quiz": [r["quiz"].get("title", r["quiz_id"]) for r in rows],
            "Score (%)": [round(r["score_percent"], 1) for r in rows],
            "Result": ["Passed" if r["passed"] else "Not passed" for r in rows],
            "Open": [f"results?attempt={r['id']}" for r in rows],
        }
    )
    if len(rows) > 1:
        st.markdown("##### Score over time")
        chart = (
            alt.Chart(table)
            .mark_line(point=True)
            .encode(
                x=alt.X("When:T", title=None),
                y=alt.Y("Score (%):Q", scale=alt.Scale(domain=[0, 100])),
                color=alt.Color(
                    "Quiz:N", legend=alt.Legend(orient="bottom", columns=1, title=None)
                ),
                tooltip=["Quiz", "Score (%)", alt.Tooltip("When:T", format="%d %b %Y %H:%M")],
            )
        )
        st.altair_chart(chart, width="stretch")
    st.markdown("##### Attempts")
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "When": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
            "Score (%)": st.column_config.NumberColumn(format="%.1f"),
            "Open": st.column_config.LinkColumn("Details", display_text="Review"),
        },
    )
