"""Reported questions on the trainee's pages (the report form, what became of a report) and the
link to the queue that staff pages put beside a question.

The form is the same for every question, right or wrong, secure or not: nothing on it depends on
the answer. The rules (who may report what, once per version) are app.questionreports'.
"""

from __future__ import annotations

import streamlit as st

from app import accounts, attempts, questionreports
from app.accounts import User
from app.attempts import AttemptView
from app.permissions import may_open
from app.questionreports import KIND_HELP, KIND_LABELS, KINDS, QuestionReport
from app.ui import auth, fmt, keys, nav
from app.ui.resources import engine

# The queue of reports on one question: /reported?question=<qid>. Pages that show a question to
# staff (item analysis, the question bank, its editor) link there with queue_link.
QUEUE_PAGE = "reported"
QUESTION_PARAM = "question"


def queue_params(qid: str) -> dict[str, str]:
    """The query parameters of the queue narrowed to one question."""
    return {QUESTION_PARAM: qid}


def queue_link(user: User, qid: str) -> None:
    """A link to the reports on this question, with how many are open; nothing if it has none."""
    if not may_open(user, QUEUE_PAGE):
        return
    found = questionreports.report_counts(engine(), user, [qid]).get(qid)
    if found is None:
        return
    label = (
        f"Reported by trainees: {found.open} open"
        if found.open == found.total
        else f"Reported by trainees: {found.open} open, {found.total} in all"
    )
    st.page_link(
        nav.page(QUEUE_PAGE),
        label=label,
        icon=":material/report:",
        query_params=queue_params(qid),
    )


# --- the trainee's side -------------------------------------------------------------------------


def _kind_label(kind: str) -> str:
    return f"{KIND_LABELS[kind]}: {KIND_HELP[kind][:1].lower()}{KIND_HELP[kind][1:]}"


@auth.callback
def _send(user: User, attempt_id: int, position: int) -> None:
    kind = st.session_state.get(keys.report_kind(attempt_id, position))
    comment = st.session_state.get(keys.report_comment(attempt_id, position), "")
    try:
        questionreports.report(engine(), user, attempt_id, position, kind, comment)
    except (
        questionreports.ReportError,
        attempts.AttemptNotFound,
        accounts.Forbidden,
    ) as exc:
        # Said in the form, with what was typed still there.
        st.session_state[keys.report_error(attempt_id, position)] = f"Not sent: {exc}."
        return
    st.session_state.pop(keys.report_error(attempt_id, position), None)
    st.session_state[keys.report_comment(attempt_id, position)] = ""
    st.session_state[keys.report_kind(attempt_id, position)] = None


def question(view: AttemptView, position: int, mine: list[QuestionReport], fold: bool) -> None:
    """What became of the user's reports on a question of their own attempt, and the form to
    report it, unless their report on this version (from this attempt or another) is still open.
    ``fold``: the form in an expander of its own (where the question is not in one already)."""
    version = view.questions[position].presented.snapshot.content_hash()
    here = [r for r in mine if r.attempt_id == view.id and r.position == position]
    for report in here:
        status(report)
    if any(r.is_open and r.version == version for r in mine):
        if not any(r.is_open for r in here):
            st.caption(
                ":material/report: You have reported this question from another attempt; a "
                "trainer has not answered yet. Their answer shows on your home page."
            )
        return
    problem = st.session_state.get(keys.report_error(view.id, position))
    if fold:
        with st.expander(
            "Report a problem with this question", icon=":material/flag:", expanded=bool(problem)
        ):
            _form(view.id, position)
    else:
        st.markdown(":material/flag: **Report a problem with this question**")
        _form(view.id, position)


def _form(aid: int, position: int) -> None:
    with st.form(keys.report_form(aid, position), border=False):
        st.radio(
            "What is the problem?",
            KINDS,
            index=None,
            format_func=_kind_label,
            key=keys.report_kind(aid, position),
        )
        st.text_area(
            "What did you notice?",
            key=keys.report_comment(aid, position),
            max_chars=questionreports.MAX_COMMENT,
            height=80,
            placeholder="Which option or sentence, and why: the trainers read this",
        )
        problem = st.session_state.get(keys.report_error(aid, position))
        if problem:
            st.error(fmt.plain(problem), icon=":material/error:")
        st.form_submit_button(
            "Send report", icon=":material/send:", on_click=_send, args=(aid, position)
        )


def status(report: QuestionReport, quiz_title: str | None = None) -> None:
    """One of the user's reports and what became of it (the trainer's note shown as text)."""
    line = fmt.plain(questionreports.status_line(report, quiz_title))
    if report.is_open:
        st.info(line, icon=":material/report:")
    else:
        st.success(line, icon=":material/task_alt:")
