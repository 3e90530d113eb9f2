"""Regrade and void on the Item analysis page: the questions answered in an earlier version, each
with "Regrade…" (the dry run, a reason, Apply), and "Void…" on the question looked at (managers).

The page reads widgets and calls app.regrade; every figure and word of the dry run comes from it.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import regrade
from app.accounts import User
from app.bank import Catalogue
from app.engine.scoring import VOIDS, Void
from app.errors import ResurfaceError
from app.permissions import Action, allowed
from app.ui import auth, fmt, keys, nav
from app.ui.resources import catalogue, engine

# The question whose regrade dry run is open lives in the URL (``?quiz=...&regrade=<qid>``), so a
# link can point at it.
REGRADE_PARAM = "regrade"
VOID_CHOICES = {
    "give": "Give everyone the point",
    "drop": "Drop it from the total",
}


def outdated(user: User, cat: Catalogue, quiz_id: str, cohort: str | None) -> None:
    """The questions of the quiz answered in an earlier version, and the open regrade, if any."""
    if not allowed(user, Action.REGRADE):
        return
    found = regrade.outdated(engine(), user, cat, quiz_id, cohort)
    if not found:
        return
    st.subheader("Answered in an earlier version")
    st.caption(
        "These questions changed in the banks since some attempts answered them. A regrade scores "
        "those attempts again with the current key; wording changes alone change no score."
    )
    opened = st.query_params.get(REGRADE_PARAM)
    for item in found:
        with st.container(border=True):
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(f"**{item.qid}**")
            text.caption(_counts(item))
            for reason in item.reasons:
                text.caption(f":orange[:material/block:] Cannot carry over: {fmt.plain(reason)}")
            if item.key_changed:
                button.button(
                    "Regrade…",
                    key=keys.regrade_open(item.qid),
                    on_click=_open_regrade,
                    args=(item.qid,),
                )
            if opened == item.qid:
                _regrade_panel(user, cat, quiz_id, item.qid, cohort)


def _counts(item: regrade.Outdated) -> str:
    parts = [f"{item.key_changed} with another key"] if item.key_changed else []
    if item.wording_only:
        parts.append(f"{item.wording_only} with other wording only")
    if item.refused:
        parts.append(f"{item.refused} that cannot carry over")
    noun = "attempt" if item.attempts == 1 else "attempts"
    return f"{item.attempts} {noun} answered an earlier version: " + ", ".join(parts) + "."


@auth.callback
def _open_regrade(_user: User, qid: str) -> None:
    st.query_params[REGRADE_PARAM] = qid
    st.session_state[keys.REGRADE_REASON] = st.session_state.get(keys.REGRADE_TYPED, "")


@auth.callback
def _close_regrade(_user: User) -> None:
    st.query_params.pop(REGRADE_PARAM, None)


def _regrade_panel(user: User, cat: Catalogue, quiz_id: str, qid: str, cohort: str | None) -> None:
    try:
        plan = regrade.plan(engine(), user, cat, quiz_id, qid, cohort)
    except ResurfaceError as exc:
        st.error(fmt.plain(str(exc)))
        return
    st.markdown(f"##### Dry run: regrade {qid}")
    _dry_run(plan, "regrade")
    if not plan.changes:
        st.info("Nothing to regrade: every attempt in scope answers the current version.")
        return
    with st.form(key=keys.REGRADE_FORM, border=False):
        st.text_area(
            "Reason (the trainees read it with their results)",
            key=keys.REGRADE_REASON,
            max_chars=regrade.MAX_REASON,
        )
        left, right = st.columns(2)
        count = len(plan.changes)
        left.form_submit_button(
            f"Apply to {count} attempt{'' if count == 1 else 's'}",
            type="primary",
            key=keys.REGRADE_APPLY,
            on_click=_apply_regrade,
            args=(quiz_id, qid, cohort),
        )
        right.form_submit_button("Cancel", key=keys.REGRADE_CANCEL, on_click=_close_regrade)


@auth.callback
def _apply_regrade(user: User, quiz_id: str, qid: str, cohort: str | None) -> None:
    reason = st.session_state.get(keys.REGRADE_REASON, "")
    st.session_state[keys.REGRADE_TYPED] = reason  # kept if the apply fails
    try:
        done = regrade.apply(engine(), user, catalogue(), quiz_id, qid, reason, cohort)
    except ResurfaceError as exc:
        nav.notice(f"Not regraded: {exc}. Your reason is kept below.", "error")
        return
    st.session_state.pop(keys.REGRADE_TYPED, None)
    st.query_params.pop(REGRADE_PARAM, None)
    st.session_state.pop(keys.ITEMS_RESULT, None)  # the analysis reads the new points
    nav.notice(
        f"Regraded {qid}: {len(done.changes)} attempt(s) scored again, "
        f"{len(done.flips)} of them changed between pass and fail.",
        "success",
    )


def void_button(user: User, qid: str) -> None:
    """ "Void…" for the question looked at (managers only)."""
    if allowed(user, Action.VOID):
        st.button("Void…", key=keys.void_open(qid), on_click=_open_void, args=(qid,))


@auth.callback
def _open_void(_user: User, qid: str) -> None:
    st.session_state[keys.VOID_OPEN] = qid
    st.session_state[keys.VOID_REASON] = st.session_state.get(keys.VOID_TYPED, "")


@auth.callback
def _close_void(_user: User) -> None:
    st.session_state[keys.VOID_OPEN] = None


def void_panel(user: User, cat: Catalogue, quiz_id: str, qid: str) -> None:
    """The void's choice, its dry run, a reason and Apply, when "Void…" was clicked for ``qid``."""
    if st.session_state.get(keys.VOID_OPEN) != qid or not allowed(user, Action.VOID):
        return
    st.markdown(f"##### Void {qid} in this quiz")
    how: Void | None = st.radio(
        "How",
        VOIDS,
        format_func=lambda h: VOID_CHOICES[h],
        key=keys.VOID_HOW,
        horizontal=True,
        help="Either way it holds for every attempt at this quiz, past and to come; the question "
        "is still drawn and scored as voided.",
    )
    if how is None:
        return
    try:
        plan = regrade.void_plan(engine(), user, cat, quiz_id, qid, how)
    except ResurfaceError as exc:
        st.error(fmt.plain(str(exc)))
        return
    _dry_run(plan, "void")
    with st.form(key=keys.VOID_FORM, border=False):
        st.text_area(
            "Reason (the trainees read it with their results)",
            key=keys.VOID_REASON,
            max_chars=regrade.MAX_REASON,
        )
        left, right = st.columns(2)
        left.form_submit_button(
            "Apply the void",
            type="primary",
            key=keys.VOID_APPLY,
            on_click=_apply_void,
            args=(quiz_id, qid, how),
        )
        right.form_submit_button("Cancel", key=keys.VOID_CANCEL, on_click=_close_void)


@auth.callback
def _apply_void(user: User, quiz_id: str, qid: str, how: Void) -> None:
    reason = st.session_state.get(keys.VOID_REASON, "")
    st.session_state[keys.VOID_TYPED] = reason
    try:
        done = regrade.void(engine(), user, catalogue(), quiz_id, qid, how, reason)
    except ResurfaceError as exc:
        nav.notice(f"Not voided: {exc}. Your reason is kept below.", "error")
        return
    st.session_state.pop(keys.VOID_TYPED, None)
    st.session_state[keys.VOID_OPEN] = None
    st.session_state.pop(keys.ITEMS_RESULT, None)
    nav.notice(
        f"Voided {qid} ({regrade.VOID_WORDS[how]}): {len(done.changes)} attempt(s) scored again.",
        "success",
    )


def _dry_run(plan: regrade.Plan, kind: str) -> None:
    rows = regrade.table_rows(plan)
    if rows:
        flips = len(plan.flips)
        noun = "attempt" if len(rows) == 1 else "attempts"
        st.caption(
            f"{len(rows)} {noun} would change; {flips} between pass and fail. "
            "Nothing is saved until you apply."
        )
        table = keys.REGRADE_TABLE if kind == "regrade" else keys.VOID_TABLE
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=table)
    elif kind == "void":
        st.caption("No submitted attempt's score would change; later attempts are scored so.")
    for line in plan.refusals:
        st.caption(
            f":orange[:material/block:] {fmt.plain(line.display_name)}, attempt "
            f"{line.attempt_id}: left as it was: {fmt.plain(line.refused or '')}"
        )
