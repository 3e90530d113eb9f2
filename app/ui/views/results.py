"""One finished attempt: score, pass or fail, time taken, per-topic chart and the allowed review."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app import attempts, comments, feedback, present, questionreports, regrade
from app.accounts import User
from app.permissions import Action, allowed
from app.ui import fmt, nav, questions, reporting, scorecard
from app.ui.resources import catalogue, engine


def render() -> None:
    user = nav.require("results")
    if "q" in st.query_params:
        # A quiz page's rerun still in flight when it switched here can put its question number
        # back in the URL; a results link carries the attempt only.
        del st.query_params["q"]
    chosen = nav.query_id("attempt")
    if chosen is None:
        st.warning("No attempt chosen. Your attempts are listed under History.")
        st.page_link(nav.page("history"), label="Go to history", icon=":material/history:")
        return
    try:
        view = attempts.get(engine(), user, chosen)
    except attempts.AttemptNotFound:
        st.error(f"There is no attempt {chosen} that you can open.")
        return
    nav.show_notice()
    st.subheader(view.quiz.title)
    if view.is_open:
        st.info("This attempt is still open.")
        if view.user_id == user.id:
            st.page_link(
                nav.page("quiz"), label="Resume it", query_params={"attempt": str(view.id)}
            )
        return

    passed = bool(view.passed)
    scorecard.metrics(view)
    who = "You scored" if view.user_id == user.id else "Scored"
    mark = f"{view.quiz.pass_mark:g}%"
    (st.success if passed else st.error)(
        f"{who} {fmt.percent(view.score_percent)} against a pass mark of {mark}."
    )
    _regraded(view, user)
    _comments(view, user)
    mine = questionreports.mine(engine(), user, view.id) if view.user_id == user.id else []
    for report in mine:
        reporting.status(report)
    _topic_chart(view)
    _review(view, user)
    st.page_link(nav.page("home"), label="Back to home", icon=":material/home:")


def _regraded(view: attempts.AttemptView, user) -> None:
    """What regrades and voids changed, and why: the trainer's reason shown as typed."""
    changes = regrade.notes(engine(), user, view.id)
    if not changes:
        return
    st.markdown("##### Changed after submission")
    for note in changes:
        with st.container(border=True):
            st.markdown(regrade.describe(note))
            st.markdown(f"**Why:** {fmt.plain(note.reason)}")
            st.caption(
                f":material/history: {fmt.plain(note.by or 'the console')} · {fmt.when(note.at)}"
            )


def _comments(view: attempts.AttemptView, user) -> None:
    """Trainers' comments: on the whole attempt first, then on questions in order."""
    notes = comments.of_attempt(engine(), user, view.id)
    if not notes:
        return
    mine = view.user_id == user.id
    st.markdown("##### Comments from your trainer" if mine else "##### Trainers' comments")
    stems = {s.presented.position: s.presented.snapshot.stem for s in view.questions}
    notes.sort(key=lambda c: (c.position is not None, c.position or 0, c.created_at))
    for note in notes:
        with st.container(border=True):
            if note.position is not None:
                stem = stems.get(note.position, "")
                st.markdown(f"**On question {note.position + 1}:** :gray[{stem}]")
            st.markdown(fmt.plain(note.body))
            st.caption(f":material/comment: {fmt.plain(note.author)} · {fmt.when(note.created_at)}")


def _topic_chart(view: attempts.AttemptView) -> None:
    topics = catalogue().topics
    rows = [
        {
            "topic": topics[t].title if t in topics else t,
            "score": present.chart_percent(100 * points / max_points) if max_points else 0.0,
            "shown": present.percent(100 * points / max_points) if max_points else present.EMPTY,
            "questions": max_points,
            "passed": present.topic_passed(points, max_points, view.quiz.pass_mark),
        }
        for t, (points, max_points) in (view.by_topic or {}).items()
    ]
    if not rows:
        return
    st.markdown("##### By topic")
    data = pd.DataFrame(rows)
    base = alt.Chart(data).encode(
        x=fmt.percent_x("score:Q", "Score (%)"),
        y=alt.Y(
            "topic:N",
            sort="-x",
            title=None,
            axis=fmt.topic_axis(),
        ),
        tooltip=[
            alt.Tooltip("topic:N", title="Topic"),
            alt.Tooltip("score:Q", title="Score (%)"),
            alt.Tooltip("questions:Q", title="Questions"),
        ],
    )
    colour = alt.Color(
        "passed:N",
        scale=alt.Scale(domain=[True, False], range=["#2e7d32", "#c62828"]),
        legend=None,
    )
    rule = (
        alt.Chart(pd.DataFrame({"x": [view.quiz.pass_mark]}))
        .mark_rule(strokeDash=[4, 4])
        .encode(x="x:Q")
    )
    chart = alt.layer(*fmt.topic_bars(base, colour), rule).properties(height=alt.Step(30))
    st.altair_chart(chart, width="stretch")


WITHHELD = (
    "A secure exam question: your answer, the right answer and the explanation are shown once "
    "you pass, so that a retake stays a fair test. Practise its topic in the practice quizzes."
)
WITHHELD_SOME = (
    "{n} are secure exam questions: their answers are shown once you pass, so that a retake "
    "stays a fair test. The topic chart above shows where to practise."
)


def _review(view: attempts.AttemptView, user: User) -> None:
    shown = feedback.review(view)
    if view.quiz.review == "score_only":
        st.caption("This quiz shows scores only; its questions are not reviewed.")
        return
    title = "Your mistakes" if view.quiz.review == "mistakes" else "Review"
    st.markdown(f"##### {title}")
    if not shown:
        st.write("Nothing to review: every answer was right.")
        return
    withheld = sum(v.withheld for v in shown)
    if withheld:
        st.caption(
            WITHHELD_SOME.format(
                n=f"All {withheld}" if withheld == len(shown) else f"{withheld} of these"
            )
        )
    may_report = allowed(user, Action.REPORT_QUESTION, user) and view.user_id == user.id
    every = questionreports.mine(engine(), user) if may_report else []
    for verdict in shown:
        snap = verdict.snapshot
        icon = (
            ":material/check_circle:"
            if verdict.correct
            else (":material/rule:" if verdict.points > 0 else ":material/cancel:")
        )
        with st.expander(
            f"Question {verdict.position + 1}: {snap.stem}",
            expanded=False,
            icon=icon,
        ):
            questions.vignette(snap)
            if verdict.withheld:
                st.caption(WITHHELD)
            else:
                questions.answer_block("Your answer", snap, verdict.answer)
                questions.answer_block("Right answer", snap, verdict.key)
                st.markdown(snap.explanation)
                questions.citations(snap, catalogue())
            if may_report:  # a secure question too: the form says nothing of its answer
                reporting.question(view, verdict.position, every, fold=False)
