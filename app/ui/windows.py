"""Exam windows on the Certification page: every window for staff to read; for managers, a form
to set one (a quiz, everyone or one cohort, when it opens and closes) and a way to remove one.

Times are entered and shown in the browser's time zone; app.examwindows keeps and checks them.
"""

from __future__ import annotations

from datetime import date, datetime, time

import pandas as pd
import streamlit as st

from app import examwindows, useradmin
from app.accounts import User
from app.permissions import EVERY_COHORT, Action, allowed
from app.ui import auth, fmt, keys
from app.ui.resources import catalogue, engine

EVERYONE = "(everyone)"


def panel(user: User) -> None:
    """The "Exam windows" section: a table, and for managers the form."""
    held = examwindows.windows(engine(), user)
    manager = allowed(user, Action.SET_EXAM_WINDOW, EVERY_COHORT)
    message = st.session_state.pop(keys.WINDOW_MESSAGE, None)
    with st.expander("Exam windows", expanded=message is not None):
        st.caption(
            "A quiz with a window can be started only inside it (a cohort's own window beats "
            "the one for everyone); an attempt begun inside may be finished after it closes."
        )
        if message is not None:
            getattr(st, message[1])(message[0])
        if held:
            st.dataframe(_table(held), hide_index=True)
        else:
            st.caption("No windows: every quiz may be started at any time.")
        if manager:
            _form(user, held)


def _table(held: list[examwindows.Window]) -> pd.DataFrame:
    quizzes = catalogue().quizzes
    return pd.DataFrame(
        {
            "Quiz": [quizzes[w.quiz_id].title if w.quiz_id in quizzes else w.quiz_id for w in held],
            "Cohort": [w.cohort or EVERYONE for w in held],
            "Opens": [fmt.when(w.opens_at) if w.opens_at else "-" for w in held],
            "Closes": [fmt.when(w.closes_at) if w.closes_at else "-" for w in held],
        }
    )


def _form(user: User, held: list[examwindows.Window]) -> None:
    quizzes = catalogue().quizzes
    cohorts = [EVERYONE, *useradmin.cohorts(engine(), user)]
    with st.form(keys.WINDOW_FORM):
        left, right = st.columns(2)
        left.selectbox(
            "Quiz", list(quizzes), format_func=lambda q: quizzes[q].title, key=keys.WINDOW_QUIZ
        )
        right.selectbox("For", cohorts, key=keys.WINDOW_COHORT)
        opens_day, opens_time, closes_day, closes_time = st.columns(4)
        opens_day.date_input("Opens on", value=None, format="DD/MM/YYYY", key=keys.WINDOW_OPENS)
        opens_time.time_input("at", value=time(0, 0), key=keys.WINDOW_OPENS_AT)
        closes_day.date_input("Closes on", value=None, format="DD/MM/YYYY", key=keys.WINDOW_CLOSES)
        closes_time.time_input("at", value=time(23, 59), key=keys.WINDOW_CLOSES_AT)
        st.form_submit_button("Save window", type="primary", on_click=_save)
    if held:
        names = {_label(w): w for w in held}
        pick, button = st.columns([3, 1], vertical_alignment="bottom")
        pick.selectbox("Window to remove", list(names), key=keys.WINDOW_PICK)
        button.button("Remove window", key=keys.WINDOW_REMOVE, on_click=_remove, args=(names,))


def _label(window: examwindows.Window) -> str:
    return f"{window.quiz_id} · {window.cohort or EVERYONE}"


def _moment(day: date | None, at: time | None) -> datetime | None:
    return None if day is None else fmt.at(day, at or time(0, 0))


@auth.callback
def _save(user: User) -> None:
    state = st.session_state
    cohort = state.get(keys.WINDOW_COHORT)
    try:
        saved = examwindows.set_window(
            engine(),
            user,
            catalogue(),
            state[keys.WINDOW_QUIZ],
            None if cohort in (None, EVERYONE) else cohort,
            _moment(state.get(keys.WINDOW_OPENS), state.get(keys.WINDOW_OPENS_AT)),
            _moment(state.get(keys.WINDOW_CLOSES), state.get(keys.WINDOW_CLOSES_AT)),
        )
    except examwindows.BadWindow as exc:
        state[keys.WINDOW_MESSAGE] = (f"Not saved: {exc}.", "error")
        return
    state[keys.WINDOW_MESSAGE] = (f"Window saved: {_label(saved)}.", "success")


@auth.callback
def _remove(user: User, names: dict[str, examwindows.Window]) -> None:
    window = names.get(st.session_state.get(keys.WINDOW_PICK) or "")
    if window is None:
        return
    examwindows.clear_window(engine(), user, window.quiz_id, window.cohort)
    st.session_state[keys.WINDOW_MESSAGE] = (f"Window removed: {_label(window)}.", "success")
