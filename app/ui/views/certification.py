"""Trainers and managers: who is certified, who is about to lapse or has lapsed, per cohort."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import altair as alt
import pandas as pd
import streamlit as st

from app import accounts, certification, certstatus, clock, present
from app.accounts import Forbidden, User
from app.bank.schema import Quiz
from app.permissions import EVERY_COHORT, Action, allowed
from app.ui import auth, fmt, keys, nav, windows
from app.ui import certificates as certificate_ui
from app.ui.resources import catalogue, engine

ALL = "__all__"
STAGES = {
    "invited": "Invited",
    "attempted": "Attempted",
    "passed": "Passed",
    "certified": "Certified now",
}


@dataclass(frozen=True)
class Choice:
    quiz: Quiz
    cohort: str | None
    as_of: date
    now: datetime | None  # None: the server's clock (as of today)
    include_inactive: bool


@auth.callback
def _open_picked(_user: User) -> None:
    picked = st.session_state.get(keys.CERT_PICK)
    if picked is not None:
        st.session_state[keys.CERT_GO] = picked


def render() -> None:
    user = nav.require("certification")
    target = st.session_state.pop(keys.CERT_GO, None)
    if target is not None:
        nav.go("trainee", user=target)
    st.title("Certification")
    windows.panel(user)
    cat = catalogue()
    quizzes = certification.certifying(cat)
    if not quizzes:
        st.info(
            "No quiz grants a certification yet. Add `certifies:` (a name and `valid_months`) "
            "to a quiz definition."
        )
        return
    choice = _filters(user, quizzes)
    try:
        view = certification.overview(
            engine(),
            user,
            cat,
            choice.cohort,
            choice.quiz.id,
            choice.now,
            choice.include_inactive,
        )
    except Forbidden as exc:
        st.error(f"Not allowed: {fmt.plain(str(exc))}.")
        return
    _rules(choice)
    certificate_ui.cohort_zip(user, choice.cohort)
    if view.roster.empty:
        st.info(
            "No trainees to show. Trainees appear here once they have an account"
            + ("" if choice.now is None else " created by that date")
            + "."
        )
        return
    _metrics(view)
    _cohorts(user, view)
    _lists(view)
    _funnel(view, choice.quiz)


def _filters(user: User, quizzes: list[Quiz]) -> Choice:
    every = allowed(user, Action.REPORT, EVERY_COHORT)  # else their own cohort only
    if not every:
        st.caption(f"Trainees of cohort **{fmt.plain(user.cohort or '(none)')}**")
    widths = ([2] if len(quizzes) > 1 else []) + ([1] if every else []) + [1]
    columns = iter(st.columns(widths))
    quiz = quizzes[0]
    if len(quizzes) > 1:
        by_id = {q.id: q for q in quizzes}

        def label(quiz_id: str) -> str:
            certifies = by_id[quiz_id].certifies
            return certifies.name if certifies else quiz_id

        chosen = next(columns).selectbox(
            "Certification",
            list(by_id),
            format_func=label,
            key=keys.CERT_QUIZ,
        )
        quiz = by_id[chosen]
    cohort = None
    if every:
        narrowed = st.session_state.pop(keys.CERT_NARROW, None)
        if narrowed is not None:
            st.session_state[keys.CERT_COHORT] = narrowed
        cohorts = sorted(
            {u.cohort for u in accounts.list_users(engine(), user, role="trainee") if u.cohort}
        )
        picked = next(columns).selectbox(
            "Cohort",
            [ALL, *cohorts],
            format_func=lambda c: "All cohorts" if c == ALL else c,
            key=keys.CERT_COHORT,
        )
        cohort = None if picked == ALL else picked
    today = fmt.local(clock.now()).date()
    as_of = next(columns).date_input(
        "As of",
        value=today,
        key=keys.CERT_AS_OF,
        format="DD/MM/YYYY",
        help="The record as it stood at the end of that day. A later date shows who will have "
        "lapsed by then unless they pass again.",
    )
    as_of = as_of or today
    st.toggle("Include deactivated trainees", key=keys.CERT_INACTIVE)
    now = None if as_of == today else fmt.start_of(as_of + timedelta(days=1))
    return Choice(quiz, cohort, as_of, now, bool(st.session_state.get(keys.CERT_INACTIVE)))


def _rules(choice: Choice) -> None:
    certifies = choice.quiz.certifies
    assert certifies is not None
    when = "now" if choice.now is None else f"the end of {choice.as_of:%d %b %Y}"
    st.caption(
        f"**{certifies.name}** as of {when}. A pass of *{choice.quiz.title}* certifies for the "
        f"months the quiz set when it was taken ({certifies.valid_months} for a pass today); "
        f"the latest pass counts. Expiring: ends {certstatus.WITHIN}."
    )
    if choice.now is not None and choice.now <= clock.now():
        st.caption(
            "Attempts after that day are left out and trainees added since are not listed, so "
            "this reads the same whenever it is opened."
        )


def _metrics(view: certification.CertificationOverview) -> None:
    [total] = view.totals.to_dict("records")
    figures = [
        ("Trainees", str(total["trainees"]), "Trainee accounts counted here"),
        (
            "Certified",
            f"{total['certified']} of {total['trainees']}",
            f"Current, including those expiring {certstatus.WITHIN}",
        ),
        ("Share certified", fmt.percent(100 * total["share"]), None),
        (f"Expiring {certstatus.WITHIN}", str(total["expiring"]), None),
        ("Expired", str(total["expired"]), certstatus.HELP["expired"]),
        ("Never certified", str(total["never"]), certstatus.HELP["never"]),
    ]
    # A wrapping row rather than columns: on a phone it folds to two or three per line.
    with st.container(horizontal=True, gap="medium"):
        for label, value, help_ in figures:
            st.metric(label, value, help=help_, width="content")


def _cohorts(user: User, view: certification.CertificationOverview) -> None:
    st.markdown("##### By cohort")
    frame = view.cohorts
    if len(frame) > 1:
        frame = pd.concat([frame, view.totals.assign(cohort=ALL)], ignore_index=True)
    table = pd.DataFrame(
        {
            "Cohort": frame["cohort"].map(lambda c: "All cohorts" if c == ALL else c or "(none)"),
            "Trainees": frame["trainees"],
            "Certified": frame["certified"],
            # Rounded down, as the metrics are: 2 of 3 is 66.6%.
            "Share certified": frame["share"].map(lambda s: present.chart_percent(100 * s)),
            "Expiring": frame["expiring"],
            "Expired": frame["expired"],
            "Never": frame["never"],
        }
    )
    config = {
        "Share certified": st.column_config.ProgressColumn(
            format="%.1f%%", min_value=0, max_value=100, width="medium", color="green"
        ),
    }
    if not allowed(user, Action.REPORT, EVERY_COHORT):
        st.dataframe(table, hide_index=True, width="stretch", column_config=config)
        return
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=config,
        on_select="rerun",
        selection_mode="single-row",
        key=keys.cert_cohorts(view.cohort),
    )
    rows = event.selection.rows if event else []
    if rows:
        # The cohort box is drawn already: set it at the start of the next run.
        picked = frame["cohort"].iloc[rows[0]]
        st.session_state[keys.CERT_NARROW] = ALL if picked in (view.cohort, ALL, None) else picked
        st.rerun()
    st.caption(
        "Click a cohort to see only its trainees"
        + ("; click it again for every cohort." if view.cohort else ".")
    )


def _lists(view: certification.CertificationOverview) -> None:
    people = view.roster
    never = people[people["status"] == "never"]
    expiring_tab, expired_tab, never_tab, all_tab = st.tabs(
        [
            f"Expiring soon ({len(view.expiring)})",
            f"Expired ({len(view.expired)})",
            f"Not certified ({len(never)})",
            f"Everyone ({len(people)})",
        ]
    )
    with expiring_tab:
        _people(
            view.expiring,
            keys.CERT_EXPIRING,
            f"Nobody's certification ends {certstatus.WITHIN}.",
            extra=("Days left", "days_left"),
        )
    with expired_tab:
        _people(
            view.expired,
            keys.CERT_EXPIRED,
            "Nobody's certification has lapsed.",
            extra=("Days since", "days_since"),
        )
    with never_tab:
        _people(never, keys.CERT_NEVER, "Every trainee has passed at least once.")
    with all_tab:
        _people(people, keys.CERT_ALL, "No trainees.", status=True)
    names = people.drop_duplicates("user_id")
    name_of = dict(zip(names["user_id"], names["display_name"], strict=True))
    st.selectbox(
        "Open a trainee's record",
        names["user_id"].tolist(),
        index=None,
        format_func=lambda user_id: name_of[user_id],
        key=keys.CERT_PICK,
        on_change=_open_picked,
        placeholder="Choose a trainee (or click a row above)",
    )


def _people(
    rows: pd.DataFrame,
    key: str,
    empty: str,
    extra: tuple[str, str] | None = None,
    status: bool = False,
) -> None:
    if rows.empty:
        st.info(empty)
        return
    # What matters first, so a phone shows it without scrolling the table sideways.
    table = pd.DataFrame({"Trainee": rows["display_name"]})
    if status:
        table["Status"] = rows["status"].map(certstatus.LABELS)
    if extra is not None:
        table[extra[0]] = rows[extra[1]]
    table["Expires"] = rows["expires_at"].map(_day)
    table["Passed"] = rows["passed_at"].map(_day)
    # Rounded down, so a score just under the pass mark never reads as the pass mark.
    table["Best %"] = rows["best_score_percent"].map(present.chart_percent, na_action="ignore")
    table["Attempts"] = rows["attempts"]
    table["Username"] = rows["username"]
    table["Cohort"] = rows["cohort"].fillna("")
    if not rows["active"].all():
        table["Active"] = rows["active"]
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Expires": st.column_config.DateColumn(format="D MMM YYYY"),
            "Passed": st.column_config.DateColumn(format="D MMM YYYY"),
            "Best %": st.column_config.NumberColumn(format="%.1f"),
        },
        on_select="rerun",
        selection_mode="single-row",
        key=key,
    )
    picked = event.selection.rows if event else []
    if picked:
        nav.go("trainee", user=int(rows["user_id"].iloc[picked[0]]))
    st.caption("Click a row to open that trainee's record.")


def _day(moment: datetime) -> date | None:  # a Timestamp, or NaT (a datetime too)
    return None if pd.isna(moment) else fmt.local(moment).date()


def _funnel(view: certification.CertificationOverview, quiz: Quiz) -> None:
    st.markdown("##### From invitation to certification")
    data = view.funnel.assign(
        label=view.funnel["stage"].map(STAGES),
        shown=[
            f"{n} ({fmt.percent(100 * s)})"
            for n, s in zip(view.funnel["trainees"], view.funnel["share"], strict=True)
        ],
    )
    st.caption(
        f"Invited: the trainee accounts counted here. Attempted: began *{quiz.title}* at least "
        "once. Passed: passed it at least once. Certified now: a pass that still holds."
    )
    y = alt.Y("label:N", sort=list(STAGES.values()), title=None, axis=alt.Axis(labelLimit=120))
    top = max(int(data["trainees"].max()), 1)
    bars = (
        alt.Chart(data)
        .mark_bar(cornerRadiusEnd=3)
        .encode(
            x=alt.X(
                "trainees:Q",
                title="Trainees",
                scale=alt.Scale(domain=[0, top * 1.35]),
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            y=y,
            color=alt.Color(
                "label:N",
                scale=alt.Scale(
                    domain=list(STAGES.values()),
                    range=["#90a4ae", "#5c9bd5", "#7cb342", "#2e7d32"],
                ),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Stage"),
                alt.Tooltip("trainees:Q", title="Trainees"),
                alt.Tooltip("share:Q", title="Of invited", format=".0%"),
            ],
        )
    )
    labels = bars.mark_text(align="left", dx=4).encode(text="shown:N", color=alt.value("#333"))
    st.altair_chart((bars + labels).properties(height=alt.Step(34)), width="stretch")
