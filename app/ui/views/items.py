"""Item analysis of one quiz for trainers and managers: per question, per option, per quiz.

The quiz and the attempts counted live in the URL (``?quiz=quick-check&counted=all``) so a link
can point at an analysis and a reload keeps it. The last
analysis is kept in the session, so picking a question or filtering the table does not recompute
it; changing the quiz, attempts counted or cohort does, and so does Refresh.
"""

from __future__ import annotations

from datetime import datetime

import altair as alt
import streamlit as st

from app import accounts, analytics, clock, itemtables, present, reports
from app.accounts import Forbidden, User
from app.bank import Catalogue
from app.permissions import EVERY_COHORT, Action, allowed
from app.reports import ItemAnalysis
from app.ui import auth, fmt, keys, nav, regrading, reporting
from app.ui.resources import catalogue, engine

ALL_COHORTS = ""
COUNTED = "counted"  # the URL parameter of the "Attempts counted" choice


def _seed(key: str, value: object) -> None:
    """Give a widget its starting value through session state (a widget forgets it off-page)."""
    if key not in st.session_state:
        st.session_state[key] = value


def _follow_url(ids: list[str]) -> None:
    """Point the quiz picker at the URL's quiz; warn about one that does not exist."""
    wanted = st.query_params.get("quiz", "")
    if wanted in ids:
        st.session_state[keys.ITEMS_QUIZ] = wanted
    elif wanted:
        st.warning(f"There is no quiz '{fmt.plain(wanted)}'. Pick one below.")


@auth.callback
def _quiz_changed(_user: User) -> None:
    st.query_params["quiz"] = st.session_state[keys.ITEMS_QUIZ]


@auth.callback
def _which_changed(_user: User) -> None:
    st.query_params[COUNTED] = st.session_state[keys.ITEMS_WHICH]


@auth.callback
def _refresh(_user: User) -> None:
    st.session_state.pop(keys.ITEMS_RESULT, None)


def _controls(user: User, cat: Catalogue) -> tuple[str, analytics.Which, str | None]:
    ids = list(cat.quizzes)
    kept = st.session_state.get(keys.ITEMS_RESULT)
    last = kept[0][1:4] if kept else (ids[0], "first", ALL_COHORTS)
    _seed(keys.ITEMS_QUIZ, last[0] if last[0] in ids else ids[0])
    _follow_url(ids)
    _seed(keys.ITEMS_WHICH, last[1])
    if st.query_params.get(COUNTED) in analytics.WHICH:  # else the URL's word is ignored
        st.session_state[keys.ITEMS_WHICH] = st.query_params[COUNTED]
    _seed(keys.ITEMS_COHORT, last[2] or ALL_COHORTS)
    every = allowed(user, Action.REPORT, EVERY_COHORT)  # else their own cohort only
    left, right = st.columns([3, 2]) if every else (st.container(), None)
    quiz_id = left.selectbox(
        "Quiz",
        ids,
        format_func=lambda q: cat.quizzes[q].title,
        key=keys.ITEMS_QUIZ,
        on_change=_quiz_changed,
    )
    st.query_params["quiz"] = quiz_id
    cohort = None
    if right is not None:
        people = accounts.list_users(engine(), user, role="trainee")
        options = [ALL_COHORTS, *itemtables.cohorts(people)]
        if st.session_state[keys.ITEMS_COHORT] not in options:
            st.session_state[keys.ITEMS_COHORT] = ALL_COHORTS
        cohort = right.selectbox(
            "Cohort",
            options,
            format_func=lambda c: c or "All cohorts",
            key=keys.ITEMS_COHORT,
        )
    which = st.segmented_control(
        "Attempts counted",
        analytics.WHICH,
        format_func=lambda w: itemtables.WHICH_LABELS[w],
        required=True,
        key=keys.ITEMS_WHICH,
        on_change=_which_changed,
        help="Moodle counts each trainee's first attempt: later ones are practised, not fresh.",
    )
    assert which is not None  # seeded above, and required: never left unpicked
    st.query_params[COUNTED] = which
    return quiz_id, which, cohort or None


def _analysis(
    user: User, cat: Catalogue, quiz_id: str, which: analytics.Which, cohort: str | None
) -> tuple[ItemAnalysis, datetime]:
    """The analysis for these choices: the kept one if it matches, else computed now."""
    wanted = (user.id, quiz_id, which, cohort or ALL_COHORTS, id(cat))
    kept = st.session_state.get(keys.ITEMS_RESULT)
    if kept is None or kept[0] != wanted:
        with st.spinner("Analysing responses…"):
            result = reports.item_analysis(engine(), user, quiz_id, cat, which, cohort)
        kept = (wanted, clock.now(), result)
        st.session_state[keys.ITEMS_RESULT] = kept
    return kept[2], kept[1]


def render() -> None:
    user = nav.require("items")
    st.title("Item analysis")
    cat = catalogue()
    if not cat.quizzes:
        st.info("No quizzes are loaded, so there is nothing to analyse.")
        return
    quiz_id, which, cohort = _controls(user, cat)
    try:
        scope = accounts.report_scope(user, cohort)
        result, computed = _analysis(user, cat, quiz_id, which, cohort)
    except Forbidden as exc:
        st.error(f"Not allowed: {fmt.plain(str(exc))}.")
        return
    about, action = st.columns([4, 1], vertical_alignment="center")
    about.caption(
        f"Counting {itemtables.WHICH_SAYS[which]}"
        + (f" · cohort {scope}" if scope else " · all cohorts")
        + f" · computed {fmt.when(computed)}"
    )
    action.button(
        "Refresh",
        key=keys.ITEMS_REFRESH,
        on_click=_refresh,
        icon=":material/refresh:",
        help="Recompute with the attempts submitted since.",
    )
    nav.show_notice()
    regrading.outdated(user, cat, quiz_id, scope)
    if result.empty:
        st.info(itemtables.empty_message(cat.quizzes[quiz_id].title, scope))
        return
    _summary(result)
    _questions(result, cat, user, quiz_id)
    _explain()


def _summary(result: ItemAnalysis) -> None:
    # A wrapping row rather than columns: on a phone it folds to two or three per line.
    with st.container(horizontal=True, gap="medium"):
        for label, value, help_ in itemtables.summary_figures(result.summary):
            st.metric(label, value, help=help_, width="content")
    note = itemtables.reliability_note(result.summary)
    st.caption(note or itemtables.PLAIN_RELIABILITY)
    notice = itemtables.provisional_notice(result)
    if notice:
        st.warning(notice, icon=":material/hourglass_empty:")


def _questions(result: ItemAnalysis, cat: Catalogue, user: User, quiz_id: str) -> None:
    st.subheader("Questions")
    st.caption("  \n".join(f"**{name}**: {line}" for name, line in itemtables.PLAIN_QUESTIONS))
    flagged_only = st.toggle("Flagged questions only", key=keys.ITEMS_FLAGGED)
    topics = {t: topic.title for t, topic in cat.topics.items()}
    table = itemtables.question_table(result, topics, flagged_only)
    if table.empty:
        st.success("No question is flagged.")
        return
    help_ = itemtables.EXPLAIN
    number = st.column_config.NumberColumn
    d_column = f"D ({itemtables.GROUP_PERCENT}%)"
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        placeholder=itemtables.DASH,
        column_config={
            "Question": st.column_config.TextColumn(pinned=True),
            "Responses": number(help=help_["Responses"]),
            "Facility": st.column_config.ProgressColumn(
                min_value=0, max_value=1, format="%.2f", color="blue", help=help_["Facility"]
            ),
            "Discrimination": number(format="%.2f", help=help_["Discrimination"]),
            d_column: number(format="%.2f", help=help_[d_column]),
            "Efficiency": number(format="%.2f", help=help_["Efficiency"]),
            "Alpha if deleted": number(format="%.2f", help=help_["Alpha if deleted"]),
            "Flags": st.column_config.TextColumn(width="medium", help=help_["Flags"]),
            "Sample": st.column_config.TextColumn(help=help_["Sample"]),
        },
    )
    qids = table["Question"].tolist()
    if st.session_state.get(keys.ITEMS_QUESTION) not in qids:
        st.session_state[keys.ITEMS_QUESTION] = qids[0]
    qid = st.selectbox(
        "Look at a question",
        qids,
        format_func=lambda q: itemtables.question_label(result, q),
        key=keys.ITEMS_QUESTION,
    )
    _question(result, qid, user)
    regrading.void_panel(user, cat, quiz_id, qid)


def _question(result: ItemAnalysis, qid: str, user: User) -> None:
    row = result.items.loc[qid]
    with st.container(border=True):
        title, action = st.columns([4, 1], vertical_alignment="center")
        title.markdown(f"**{qid}** · {present.TYPE_LABELS.get(row['type'], row['type'] or '?')}")
        with action:
            regrading.void_button(user, qid)
        st.markdown(row["stem"] or ":gray[(no longer in the banks)]")
        st.caption(itemtables.question_facts(result, qid))
        for flag in row["flags"]:
            st.markdown(f":orange[:material/flag:] {flag}")
        reporting.queue_link(st.session_state[keys.USER], qid)
        options = itemtables.option_table(result, qid)
        if options.empty:
            st.caption(itemtables.no_options_reason(result, qid))
            return
        percent = st.column_config.NumberColumn(format="%.0f%%")
        st.dataframe(
            options,
            hide_index=True,
            width="stretch",
            column_config={
                "Answer": st.column_config.TextColumn(width="large"),
                **dict.fromkeys(itemtables.SHARE_COLUMNS, percent),
            },
        )
        _chart(result, qid)


def _chart(result: ItemAnalysis, qid: str) -> None:
    data = itemtables.option_chart_data(result, qid)
    groups = data["group"].unique().tolist()
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y("option:N", title=None, sort=None),
            yOffset=alt.YOffset("group:N", sort=groups),
            x=fmt.percent_x("share:Q", "Chose it (%)"),
            color=alt.Color(
                "group:N",
                sort=groups,
                title=None,
                scale=alt.Scale(domain=groups, range=["#2e7d32", "#9e9e9e", "#ef6c00"]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=["option", "group", alt.Tooltip("share:Q", format=".0f", title="%")],
        )
        .properties(height=alt.Step(12, **{"for": "offset"}))  # each bar 12 px high
    )
    st.altair_chart(chart, width="stretch")


def _explain() -> None:
    with st.expander("What the figures mean"):
        st.markdown(
            "\n".join(f"- **{name}**: {line}" for name, line in itemtables.EXPLAIN.items())
            + "\n- **Options**: the share choosing each option overall and in the upper and "
            f"lower {itemtables.GROUP_PERCENT}% by total score; letters follow the bank's order "
            "(trainees saw options shuffled)."
        )
