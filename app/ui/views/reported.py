"""Reported questions, for trainers and managers: what trainees found wrong or unclear, by
question, the most recently reported first, and resolving each question's reports with a note.

``?question=<qid>`` narrows the page to one question (app.ui.reporting.queue_link makes the link).
The rules, and whose names show, are app.questionreports'.
"""

from __future__ import annotations

import re

import streamlit as st

from app import accounts, questionreports
from app.accounts import User
from app.bank import Catalogue
from app.bank.schema import ID_PATTERN
from app.bank.text import plural
from app.permissions import Action, allowed
from app.questionreports import QuestionReport, ReportedQuestion
from app.ui import auth, fmt, keys, nav
from app.ui.reporting import QUESTION_PARAM
from app.ui.resources import catalogue, engine

KIND_BADGES = {"wrong": ":red-badge[Wrong]", "unclear": ":orange-badge[Unclear]"}


@auth.callback
def _resolve(user: User, qid: str, report_ids: list[int]) -> None:
    note = st.session_state.get(keys.resolve_note(qid), "")
    try:
        done = questionreports.resolve(engine(), user, report_ids, note)
    except (questionreports.ReportError, accounts.Forbidden) as exc:
        st.session_state[keys.resolve_error(qid)] = f"Not resolved: {exc}."
        return
    st.session_state.pop(keys.resolve_error(qid), None)
    st.session_state[keys.resolve_note(qid)] = ""
    nav.notice(f"{qid}: {plural(done, 'report')} resolved; the reporters see your note.", "success")


def _wanted() -> str | None:
    """The question in the URL, if it names one the way question ids are written."""
    raw = st.query_params.get(QUESTION_PARAM, "")
    if raw and not re.fullmatch(ID_PATTERN, raw):
        st.warning(f"'{fmt.plain(raw[:64])}' is not a question id; showing every question.")
        return None
    return raw or None


def render() -> None:
    user = nav.require("reported")
    st.title("Reported questions")
    nav.show_notice()
    cat = catalogue()
    qid = _wanted()
    resolved_too = st.toggle("Show resolved reports too", key=keys.REPORTED_RESOLVED)
    listed = questionreports.queue(engine(), user, qid, resolved_too, cat)
    if qid is not None:
        st.page_link(
            nav.page("reported"), label="Every reported question", icon=":material/arrow_back:"
        )
    open_reports = sum(q.open_count for q in listed)
    if not listed:
        where = f" on {qid}" if qid else ""
        st.info(f"No {'' if resolved_too else 'open '}reports{where}.", icon=":material/task_alt:")
        return
    st.caption(
        f"{plural(open_reports, 'open report')} on {plural(len(listed), 'question')}, the most "
        "recently reported first. Reporters' names show for the trainees you look after."
    )
    may_resolve = allowed(user, Action.RESOLVE_QUESTION_REPORT)
    for question in listed:
        _question(cat, question, may_resolve)


def _question(cat: Catalogue, question: ReportedQuestion, may_resolve: bool) -> None:
    qid = question.qid
    entry = cat.entries.get(qid)
    with st.container(border=True, key=keys.reported_question(qid)):
        badge = (
            f":red-badge[{question.open_count} open]"
            if question.open_count
            else ":green-badge[all resolved]"
        )
        st.markdown(f"**{qid}** {badge} :gray[· {plural(question.total, 'report')} in all]")
        st.markdown(entry.question.stem if entry else ":gray[(no longer in the banks)]")
        links = st.container(horizontal=True, gap="small")
        if entry is not None:
            links.page_link(
                nav.page("bank"),
                label="In the question bank",
                icon=":material/library_books:",
                query_params={"q": qid},
            )
        quiz_id = question.reports[0].quiz_id
        if quiz_id in cat.quizzes:
            links.page_link(
                nav.page("items"),
                label=f"Item analysis: {cat.quizzes[quiz_id].title}",
                icon=":material/analytics:",
                query_params={"quiz": quiz_id},
            )
        for report in question.reports:
            _report(cat, report)
        open_ids = [r.id for r in question.reports if r.is_open]
        if may_resolve and open_ids:
            _resolve_form(qid, open_ids)


def _report(cat: Catalogue, report: QuestionReport) -> None:
    who = fmt.plain(report.reporter) if report.reporter else questionreports.UNNAMED
    quiz = cat.quizzes.get(report.quiz_id)
    version = f"version {report.version[:8]}"
    if report.current is not None:
        version += " (as the banks hold it now)" if report.current else " (an earlier version)"
    with st.container(border=False):
        st.markdown(f"{KIND_BADGES.get(report.kind, report.kind)} {fmt.plain(report.comment)}")
        st.caption(
            f"{who} · {fmt.when(report.created_at)} · question {report.number} of "
            f"{fmt.plain(quiz.title if quiz else report.quiz_id)} · {version}"
        )
        if not report.is_open:
            st.caption(
                f":material/task_alt: Resolved by {fmt.plain(report.resolved_by or '?')}, "
                f"{fmt.when(report.resolved_at)}: {fmt.plain(report.resolution or '')}"
            )


def _resolve_form(qid: str, open_ids: list[int]) -> None:
    n = len(open_ids)
    with st.form(keys.resolve_form(qid), border=False):
        st.text_area(
            f"Note to the {'reporter' if n == 1 else f'{n} reporters'}",
            key=keys.resolve_note(qid),
            max_chars=questionreports.MAX_NOTE,
            height=80,
            placeholder="What you found and what you changed, if anything",
        )
        st.caption(
            "The reporters read this beside the question and on their home page. For a secure "
            "exam question, do not give the answer away: they may sit the exam again."
        )
        problem = st.session_state.get(keys.resolve_error(qid))
        if problem:
            st.error(fmt.plain(problem), icon=":material/error:")
        st.form_submit_button(
            f"Resolve {plural(n, 'open report')}",
            icon=":material/task_alt:",
            on_click=_resolve,
            args=(qid, open_ids),
        )
