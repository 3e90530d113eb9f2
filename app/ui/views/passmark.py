"""Standard setting of an exam's pass mark (modified Angoff) for trainers and managers.

Each rater estimates, per question of the exam's pool, the chance that a just-competent
technician answers it right; the page shows their own ratings to fill in, where the raters stand,
the recommended mark with its spread, and what it would have done to past attempts.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import config, passmark, present
from app.accounts import Forbidden, User
from app.bank import Catalogue
from app.bank.editing import EditError
from app.passmark import InvalidRating, Standing
from app.permissions import Action, allowed
from app.ui import auth, fmt, keys, nav
from app.ui.resources import catalogue, engine, revalidate


def _exams(cat: Catalogue) -> list[str]:
    """Quizzes with a pass mark worth setting: exams first (the certifying ones), then the rest."""
    return sorted(cat.quizzes, key=lambda q: (cat.quizzes[q].mode != "exam", q))


@auth.callback
def _save(user: User, quiz_id: str) -> None:
    cat = catalogue()
    ratings = {}
    for qid in passmark.pool(cat.quizzes[quiz_id], cat):
        value = st.session_state.get(keys.passmark_rating(quiz_id, qid))
        if value is not None:
            ratings[qid] = float(value) / 100
    if not ratings:
        nav.notice("Nothing to save: type an estimate for a question first.", "info")
        return
    try:
        passmark.rate(engine(), user, cat, quiz_id, ratings)
    except InvalidRating as exc:
        st.session_state[keys.PASSMARK_ERROR] = str(exc)
        return
    nav.notice(f"Saved your estimates for {len(ratings)} question(s).", "success")


@auth.callback
def _adopt(user: User, quiz_id: str, opened: str) -> None:
    cat = catalogue()
    mark = st.session_state.get(keys.PASSMARK_ADOPT_MARK)
    if mark is None:
        st.session_state[keys.PASSMARK_ERROR] = "type the pass mark to adopt"
        return
    try:
        passmark.adopt(engine(), user, cat, config.quizzes_dir(), opened, quiz_id, float(mark))
    except (InvalidRating, EditError, Forbidden) as exc:
        st.session_state[keys.PASSMARK_ERROR] = str(exc)
        return
    revalidate()
    was = cat.quizzes[quiz_id].pass_mark
    nav.notice(
        f"The pass mark of {cat.quizzes[quiz_id].title} is now {present.percent(float(mark))} "
        f"(was {present.percent(was)}). Attempts already started keep theirs.",
        "success",
    )


def render() -> None:
    user = nav.require("passmark")
    st.title("Pass mark")
    nav.show_notice()
    st.caption(
        "Standard setting (modified Angoff): for each question the exam can draw, estimate the "
        "chance, in percent, that a just-competent technician answers it right. The recommended "
        "pass mark is the mean of the raters' averages."
    )
    cat = catalogue()
    ids = _exams(cat)
    if not ids:
        st.info("No quizzes are loaded, so there is no pass mark to set.")
        return
    if st.session_state.get(keys.PASSMARK_QUIZ) not in ids:
        st.session_state[keys.PASSMARK_QUIZ] = ids[0]
    quiz_id = st.selectbox(
        "Exam", ids, format_func=lambda q: cat.quizzes[q].title, key=keys.PASSMARK_QUIZ
    )
    try:
        view = passmark.standing(engine(), user, cat, quiz_id)
    except Forbidden as exc:
        st.error(f"Not allowed: {fmt.plain(str(exc))}.")
        return
    error = st.session_state.pop(keys.PASSMARK_ERROR, None)
    if error:
        st.error(f"Not saved: {fmt.plain(error)}.")
    _recommendation(view)
    if allowed(user, Action.ADOPT_PASS_MARK):
        _adoption(view)
    _impact(view)
    _raters(view)
    _ratings(view, cat)


def _recommendation(view: Standing) -> None:
    st.subheader("Recommended pass mark")
    rec = view.recommendation
    with st.container(horizontal=True, gap="medium"):
        st.metric("Pass mark now", present.percent(view.pass_mark), width="content")
        if rec is not None:
            st.metric(
                "Recommended",
                present.percent(rec.pass_mark),
                help="The mean of the raters' averages, over every question of the pool.",
                width="content",
            )
            st.metric(
                "Spread between raters",
                f"± {present.points(rec.spread)} points",
                help="Standard deviation of the raters' averages.",
                width="content",
            )
            st.metric(
                "Standard error",
                f"± {present.points(rec.standard_error)} points",
                help="Of the recommended mark: the spread over the square root of the raters.",
                width="content",
            )
    if rec is None:
        st.info(f"No recommendation yet: {fmt.plain(view.why_none or '')}.")
        return
    if rec.to_discuss:
        st.warning(
            f"The raters disagree on {len(rec.to_discuss)} question(s): discuss them and rate "
            "again before adopting a mark: " + ", ".join(rec.to_discuss)
        )
    st.caption(
        "A manager adopts a mark, which writes it into quizzes.yaml; attempts keep the pass mark "
        "they started with."
    )


def _adoption(view: Standing) -> None:
    """Managers: write a pass mark for the exam (the recommended one, or another they choose)."""
    try:
        opened = passmark.quizzes_version(config.quizzes_dir())
    except EditError as exc:
        st.warning(f"The pass mark cannot be changed here: {fmt.plain(str(exc))}.")
        return
    rec = view.recommendation
    with st.form(keys.PASSMARK_ADOPT_FORM, border=True):
        st.number_input(
            "Pass mark to adopt (%)",
            min_value=0.0,
            max_value=100.0,
            value=round(rec.pass_mark, 1) if rec else float(view.pass_mark),
            step=0.5,
            format="%.1f",
            key=keys.PASSMARK_ADOPT_MARK,
            help="Written into quizzes.yaml, checked as resurface validate checks it, and "
            "recorded in the audit log.",
        )
        st.form_submit_button(
            "Adopt this pass mark",
            key=keys.PASSMARK_ADOPT,
            on_click=_adopt,
            args=(view.quiz_id, opened),
            icon=":material/gavel:",
        )


def _impact(view: Standing) -> None:
    st.subheader("On past attempts")
    per, overall = view.now_impact
    if overall.attempts == 0:
        st.info("No submitted attempts at this exam in your scope yet.")
        return
    recommended = view.recommended_impact
    rows = []
    for i, impact in enumerate([*per, overall]):
        row = {
            "Cohort": impact.cohort or "All cohorts",
            "Attempts": impact.attempts,
            "Pass rate now": present.percent(100 * impact.rate),
        }
        if recommended is not None:
            then = [*recommended[0], recommended[1]][i]
            row["At the recommended mark"] = present.percent(100 * then.rate)
        rows.append(row)
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def _raters(view: Standing) -> None:
    st.subheader("Raters")
    if not view.ratings:
        st.info("Nobody has rated this exam's questions yet.")
        return
    marks = view.recommendation.rater_marks if view.recommendation else {}
    total = len(view.pool)
    table = pd.DataFrame(
        [
            {
                "Rater": view.rater_names.get(rater, rater),
                "Rated": f"{len(given)} of {total}",
                "Average": present.percent(marks[rater]) if rater in marks else "-",
            }
            for rater, given in sorted(view.ratings.items())
        ]
    )
    st.dataframe(table, hide_index=True, width="stretch")


def _ratings(view: Standing, cat: Catalogue) -> None:
    st.subheader("Your estimates")
    st.caption(
        f"You have rated {len(view.mine)} of {len(view.pool)} questions. Leave a box empty to "
        "come back to it; saving keeps what you have rated so far."
    )
    with st.form(keys.PASSMARK_FORM, border=False):
        for row in passmark.rating_rows(view, cat):
            qid = str(row["Question"])
            key = keys.passmark_rating(view.quiz_id, qid)
            if key not in st.session_state:
                st.session_state[key] = row["Your %"]
            with st.container(border=True):
                st.caption(
                    fmt.plain(
                        f"{qid} · {row['Topic']} · difficulty {row['Difficulty']} · "
                        f"rated by {row['Raters']}"
                    )
                )
                st.markdown(fmt.plain(str(row["Stem"])))
                st.markdown("**Right answer:** " + fmt.plain(str(row["Right answer"])))
                st.number_input(
                    f"Your estimate for {qid} (%)",
                    min_value=0.0,
                    max_value=100.0,
                    step=5.0,
                    format="%.0f",
                    key=key,
                    placeholder="not rated yet",
                )
        st.form_submit_button(
            "Save my estimates",
            key=keys.PASSMARK_SAVE,
            type="primary",
            on_click=_save,
            args=(view.quiz_id,),
            icon=":material/save:",
        )
