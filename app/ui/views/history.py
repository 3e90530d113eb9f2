"""Every finished attempt, a score-over-time chart, and a practice made of recent mistakes."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import present, progress
from app.accounts import User
from app.attempts import AttemptError
from app.ui import auth, fmt, keys, nav
from app.ui.resources import catalogue, engine


@auth.callback
def _practise_mistakes(user: User) -> None:
    try:
        view = progress.start_mistakes(engine(), user, catalogue())
    except (progress.NoMistakes, AttemptError) as exc:
        nav.notice(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", "info")
        return
    st.session_state[keys.HISTORY_GO] = view.id


def render() -> None:
    user = nav.require("history")
    target = st.session_state.pop(keys.HISTORY_GO, None)
    if target is not None:
        nav.go("quiz", attempt=target)
    st.title("History")
    nav.show_notice()
    rows = progress.history(engine(), user, user.id)
    st.button(
        "Practise my mistakes",
        key=keys.HISTORY_MISTAKES,
        on_click=_practise_mistakes,
        icon=":material/replay:",
        type="primary",
        help="A practice quiz, with feedback, of the questions you got wrong the last time.",
    )
    if not rows:
        st.info("No finished attempts yet. Start a quiz from your home page.")
        return
    if len(rows) > 1:
        _chart(rows)
    st.markdown("##### Attempts")
    for r in rows:
        verdict = ":green-badge[Passed]" if r["passed"] else ":orange-badge[Not passed]"
        with st.container(border=True):
            text, action = st.columns([4, 1], vertical_alignment="center")
            text.markdown(
                f"**{r['quiz'].get('title', r['quiz_id'])}** {verdict}  \n"
                f":gray[{fmt.percent(r['score_percent'])} · {fmt.when(r['submitted_at'])}]"
            )
            with action:
                st.page_link(
                    nav.page("results"),
                    label="Review",
                    icon=":material/grading:",
                    query_params={"attempt": r["id"]},
                )


def _chart(rows: list[dict]) -> None:
    data = pd.DataFrame(
        {
            "when": [fmt.local(r["submitted_at"]).replace(tzinfo=None) for r in rows],
            "quiz": [r["quiz"].get("title", r["quiz_id"]) for r in rows],
            "score": [present.chart_percent(r["score_percent"]) for r in rows],
        }
    )
    st.markdown("##### Score over time")
    base = alt.Chart(data).encode(
        x=alt.X("when:T", title=None, axis=alt.Axis(format="%d %b", labelAngle=0, tickCount="day")),
        y=alt.Y("score:Q", title="Score (%)", scale=alt.Scale(domain=[0, 100])),
    )
    # One line through every attempt in time order; each point coloured by its quiz.
    trend = base.mark_line(color="#9e9e9e", strokeWidth=1.5)
    points = base.mark_circle(size=90, opacity=1).encode(
        color=alt.Color(
            "quiz:N",
            legend=alt.Legend(orient="bottom", columns=1, title=None, labelLimit=0),
        ),
        tooltip=[
            alt.Tooltip("quiz:N", title="Quiz"),
            alt.Tooltip("score:Q", title="Score (%)"),
            alt.Tooltip("when:T", title="When", format="%d %b %Y %H:%M"),
        ],
    )
    st.altair_chart(trend + points, width="stretch")
