"""Trainers and managers: their trainees at a glance, with filters, topic mastery and scores."""

from __future__ import annotations

from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from app import accounts, certstatus, dashboard, present
from app.permissions import EVERY_COHORT, Action, allowed
from app.ui import auth, fmt, keys, nav
from app.ui.resources import catalogue, engine

ALL = "__all__"


@auth.callback
def _open_picked(_user: accounts.User) -> None:
    picked = st.session_state.get(keys.DASH_PICK)
    if picked is not None:
        st.session_state[keys.DASH_GO] = picked


def render() -> None:
    user = nav.require("trainees")
    target = st.session_state.pop(keys.DASH_GO, None)
    if target is not None:
        nav.go("trainee", user=target)
    st.title("Trainees")
    cat = catalogue()
    filters = _filters(user, cat)
    board = dashboard.cohort_dashboard(engine(), user, cat, filters)
    people = board.trainees
    if not st.session_state.get(keys.DASH_INACTIVE):
        people = people[people["active"]]
    if people.empty:
        st.info("No trainees to show yet. Trainees appear here once they have an account.")
        return
    _metrics(board, people)
    _table(board, people, cat)
    names = dict(zip(people["user_id"], people["display_name"], strict=True))
    st.selectbox(
        "Open a trainee's record",
        people["user_id"].tolist(),
        index=None,
        format_func=lambda user_id: names[user_id],
        key=keys.DASH_PICK,
        on_change=_open_picked,
        placeholder="Choose a trainee (or click a row above)",
    )
    mastery_tab, scores_tab = st.tabs(["Topic mastery", "Score distribution"])
    with mastery_tab:
        _heatmap(board, people, cat)
    with scores_tab:
        _distribution(board, people, cat)


def _filters(user: accounts.User, cat) -> dashboard.DashboardFilters:
    quizzes = {ALL: "All quizzes"} | {q.id: q.title for q in cat.quizzes.values()}
    every = allowed(user, Action.REPORT, EVERY_COHORT)  # else their own cohort only
    if not every:
        st.caption(f"Trainees of cohort **{fmt.plain(user.cohort or '(none)')}**")
    columns = st.columns([2, 1, 1, 1] if every else [2, 1, 1])
    quiz = columns[0].selectbox(
        "Quiz", list(quizzes), format_func=lambda q: quizzes[q], key=keys.DASH_QUIZ
    )
    since = columns[1].date_input("From", value=None, key=keys.DASH_FROM, format="DD/MM/YYYY")
    until = columns[2].date_input("To", value=None, key=keys.DASH_TO, format="DD/MM/YYYY")
    cohort = None
    if every:
        cohorts = sorted(
            {u.cohort for u in accounts.list_users(engine(), user, role="trainee") if u.cohort}
        )
        chosen = columns[3].selectbox(
            "Cohort",
            [ALL, *cohorts],
            format_func=lambda c: "All cohorts" if c == ALL else c,
            key=keys.DASH_COHORT,
        )
        cohort = None if chosen == ALL else chosen
    st.toggle("Include deactivated trainees", key=keys.DASH_INACTIVE)
    if since and until and until < since:
        st.warning("The 'To' date is before the 'From' date, so no attempt can match.")
    return dashboard.DashboardFilters(
        quiz_id=None if quiz == ALL else quiz,
        since=fmt.start_of(since) if since else None,
        until=fmt.start_of(until + timedelta(days=1)) if until else None,
        cohort=cohort,
    )


def _metrics(board: dashboard.Dashboard, people: pd.DataFrame) -> None:
    certified = people["status"].isin(certstatus.CERTIFIED).sum()
    expiring = (people["status"] == "expiring").sum()
    a, b, c = st.columns(3)
    a.metric("Trainees", len(people))
    b.metric("With attempts", int((people["attempts"] > 0).sum()), help="In the chosen period")
    c.metric(
        "Certified now",
        f"{certified} of {len(people)}",
        f"{expiring} expiring {certstatus.WITHIN}" if expiring else None,
        delta_color="off",
        delta_arrow="off",
    )


def _table(board: dashboard.Dashboard, people: pd.DataFrame, cat) -> None:
    # What a trainer looks for first (who, certified or not, how they score) on the left, so it
    # is in view at 1280 px without scrolling, and the name, status and a score on a phone. (A
    # pinned name column would stay in view while scrolling, but Streamlit greys it out.)
    table = pd.DataFrame(
        {
            "Trainee": people["display_name"],
            "Certification": people["status"].map(certstatus.LABELS),
        }
    )
    columns = {
        "Certification": st.column_config.TextColumn(help=_status_help()),
    }
    quiz_ids = (
        [board.filters.quiz_id] if board.filters.quiz_id else sorted(set(board.scores["quiz_id"]))
    )
    for quiz_id in quiz_ids:
        title = cat.quizzes[quiz_id].title if quiz_id in cat.quizzes else quiz_id
        prefix = "" if board.filters.quiz_id else f"{title}: "
        of_quiz = board.scores[board.scores["quiz_id"] == quiz_id].set_index("user_id")
        for what in ("best", "latest"):
            name = f"{prefix}{what.capitalize()} %"
            table[name] = people["user_id"].map(of_quiz[what]).astype("float64")
            columns[name] = st.column_config.NumberColumn(format="%.1f")
    table["Certified until"] = people["certified_until"].map(
        lambda t: None if pd.isna(t) else fmt.local(t).date()
    )
    table["Attempts"] = people["attempts"]
    table["Open"] = people["open"]
    table["Last activity"] = people["last_activity"].map(
        lambda t: None if pd.isna(t) else fmt.local(t).replace(tzinfo=None)
    )
    table["Cohort"] = people["cohort"].fillna("")
    table["Username"] = people["username"]
    columns["Certified until"] = st.column_config.DateColumn(format="D MMM YYYY")
    columns["Open"] = st.column_config.NumberColumn(help="Attempts started and not yet submitted")
    columns["Last activity"] = st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm")
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config=columns,
        placeholder=present.EMPTY,
        on_select="rerun",
        selection_mode="single-row",
        key=keys.DASH_TABLE,
    )
    rows = event.selection.rows if event else []
    if rows:
        nav.go("trainee", user=int(people["user_id"].iloc[rows[0]]))
    st.caption(
        "Click a row to open that trainee's record. Scores count submitted attempts only; "
        f"{present.EMPTY} means none yet."
    )


def _status_help() -> str:
    return "  \n".join(f"{certstatus.LABELS[s]}: {certstatus.HELP[s]}" for s in certstatus.STATUSES)


def _heatmap(board: dashboard.Dashboard, people: pd.DataFrame, cat) -> None:
    data = board.mastery[board.mastery["user_id"].isin(people["user_id"])]
    if data.empty:
        st.info("No finished attempts in this selection yet.")
        return
    names = dict(zip(people["user_id"], people["display_name"], strict=True))
    data = data.assign(
        trainee=data["user_id"].map(names),
        topic=data["topic"].map(lambda t: cat.topics[t].title if t in cat.topics else t),
        percent=(data["share"] * 100).map(present.chart_percent),
    )
    st.caption(
        f"Share of points per topic over each trainee's latest {dashboard.RECENT_ATTEMPTS} "
        "attempts that asked about it. Red is weak, green is strong."
    )
    # Topics down the side, read across (two lines for a long name, never tilted or cut);
    # trainees along the top, a name's words on lines of their own so a column stays narrow.
    base = alt.Chart(data).encode(
        y=alt.Y("topic:N", title=None, axis=fmt.topic_axis()),
        x=alt.X(
            "trainee:N",
            title=None,
            axis=alt.Axis(
                orient="top",
                labelAngle=0,
                labelExpr="split(datum.label, ' ')",
                labelLimit=90,
                labelOverlap=False,
            ),
        ),
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "percent:Q",
            title="Correct (%)",
            scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen"),
            legend=alt.Legend(orient="bottom"),
        ),
        tooltip=[
            alt.Tooltip("trainee:N", title="Trainee"),
            alt.Tooltip("topic:N", title="Topic"),
            alt.Tooltip("percent:Q", title="Correct (%)"),
            alt.Tooltip("questions:Q", title="Questions"),
        ],
    )
    labels = base.mark_text(fontSize=11).encode(
        text=alt.Text("percent:Q", format=".1~f"),
        # White on the dark ends of the scale (deep red, deep green), black in between.
        color=alt.condition(
            "datum.percent < 25 || datum.percent > 75", alt.value("white"), alt.value("black")
        ),
    )
    st.altair_chart((cells + labels).properties(height=alt.Step(34)), width="stretch")


def _distribution(board: dashboard.Dashboard, people: pd.DataFrame, cat) -> None:
    done = board.attempts[board.attempts["user_id"].isin(people["user_id"])]
    if done.empty:
        st.info("No finished attempts in this selection yet.")
        return
    for quiz_id, rows in done.groupby("quiz_id", sort=True):
        quiz = cat.quizzes.get(quiz_id)
        title = quiz.title if quiz else quiz_id
        median = fmt.percent(rows["score_percent"].median())
        st.markdown(f"**{title}** · {len(rows)} attempts · median {median}")
        data = rows.assign(result=rows["passed"].map({True: "Passed", False: "Not passed"}))
        bars = (
            alt.Chart(data)
            .mark_bar()
            .encode(
                x=alt.X(
                    "score_percent:Q",
                    bin=alt.Bin(extent=[0, 100], step=10),
                    title="Score (%)",
                ),
                y=alt.Y("count():Q", title="Attempts"),
                color=alt.Color(
                    "result:N",
                    scale=alt.Scale(domain=["Passed", "Not passed"], range=["#2e7d32", "#c62828"]),
                    legend=alt.Legend(orient="bottom", title=None),
                ),
                tooltip=[alt.Tooltip("count():Q", title="Attempts"), alt.Tooltip("result:N")],
            )
        )
        layers = bars
        if quiz is not None:
            rule = (
                alt.Chart(pd.DataFrame({"x": [quiz.pass_mark]}))
                .mark_rule(strokeDash=[4, 4])
                .encode(x="x:Q")
            )
            layers = bars + rule
        st.altair_chart(layers.properties(height=200), width="stretch")
