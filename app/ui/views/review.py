"""An attempt as the trainee saw it, for their trainer: every answer, the key, and comments."""

from __future__ import annotations

import streamlit as st

from app import accounts, attempts, comments, present
from app.attempts import AttemptView, QuestionState
from app.comments import Comment
from app.permissions import Action, allowed
from app.ui import auth, fmt, keys, nav, questions, scorecard
from app.ui.resources import catalogue, engine


@auth.callback
def _add(user: accounts.User, attempt_id: int, position: int | None) -> None:
    text = st.session_state.get(keys.comment_text(attempt_id, position), "")
    try:
        comments.add(engine(), user, attempt_id, text, position)
    except (comments.InvalidComment, accounts.Forbidden, attempts.AttemptNotFound) as exc:
        nav.notice(f"Comment not saved: {exc}.", "error")
        return
    st.session_state[keys.comment_text(attempt_id, position)] = ""
    where = "the attempt" if position is None else f"question {position + 1}"
    nav.notice(f"Comment on {where} saved; the trainee sees it with their results.", "success")


@auth.callback
def _remove(user: accounts.User, comment_id: int) -> None:
    try:
        comments.remove(engine(), user, comment_id)
    except (comments.CommentNotFound, accounts.Forbidden) as exc:
        nav.notice(f"Comment not removed: {exc}.", "error")
        return
    nav.notice("Comment removed.", "success")


def render() -> None:
    user = nav.require("review")
    chosen = nav.query_id("attempt")
    if chosen is None:
        st.warning("No attempt chosen. Open one from a trainee's record.")
        st.page_link(nav.page("trainees"), label="Trainees", icon=":material/group:")
        return
    try:
        view = attempts.get(engine(), user, chosen)
        owner = accounts.get_user_by_id(engine(), user, view.user_id)
        notes = comments.of_attempt(engine(), user, view.id)
    except (attempts.AttemptNotFound, accounts.NotFound):
        st.error(f"There is no attempt {chosen} that you can open.")
        return
    st.page_link(
        nav.page("trainee"),
        label=f"{fmt.plain(owner.display_name)}'s record",
        icon=":material/arrow_back:",
        query_params={"user": str(owner.id)},
    )
    nav.show_notice()
    st.title(view.quiz.title)
    st.caption(
        f"{fmt.plain(owner.display_name)} ({fmt.plain(owner.username)}) · "
        f"cohort {fmt.plain(owner.cohort or '(none)')}"
    )
    _summary(view)
    may_comment = not view.is_open and allowed(user, Action.COMMENT, owner)
    st.markdown("##### Comments on the whole attempt")
    _comments([c for c in notes if c.position is None], user)
    if may_comment:
        _form(view.id, None, "Add a comment on the attempt")
    st.markdown("##### Questions")
    for state in view.questions:
        pos = state.presented.position
        _question(view, state, [c for c in notes if c.position == pos], user, may_comment)


def _summary(view: AttemptView) -> None:
    if view.is_open:
        answered = sum(present.is_answered(s.answer) for s in view.questions)
        st.info(
            f"Still open: {answered} of {len(view.questions)} answered so far, "
            f"started {fmt.when(view.started_at)}. Comments can be added once it is submitted."
        )
        return
    scorecard.metrics(view)


def _question(
    view: AttemptView,
    state: QuestionState,
    notes: list[Comment],
    user: accounts.User,
    may_comment: bool,
) -> None:
    snap, pos = state.presented.snapshot, state.presented.position
    cat = catalogue()
    topic = cat.topics[snap.topic].title if snap.topic in cat.topics else snap.topic
    if not present.is_answered(state.answer):
        verdict = ":gray-badge[Not answered]"
    elif state.points is None:
        verdict = ":blue-badge[Answered]"
    elif present.is_correct(state.points):
        verdict = ":green-badge[Right]"
    elif state.points > 0:
        verdict = f":orange-badge[Partly right: {present.points(state.points)}]"
    else:
        verdict = ":red-badge[Wrong]"
    with st.container(border=True, key=keys.review_question(view.id, pos)):
        st.markdown(f"**Question {pos + 1}** · {topic} · {verdict}")
        answered = f"answered {fmt.when(state.answered_at)}" if state.answered_at else "no answer"
        st.caption(f"{snap.qid} · difficulty {snap.difficulty} · {answered}")
        questions.vignette(snap)
        st.markdown(snap.stem)
        questions.marked(state)
        with st.expander("Explanation and sources"):
            st.markdown(snap.explanation)
            questions.citations(snap, cat)
        _comments(notes, user)
        if may_comment:
            with st.expander(f"Comment on question {pos + 1}", icon=":material/add_comment:"):
                _form(view.id, pos, f"Comment on question {pos + 1}")


def _comments(notes: list[Comment], user: accounts.User) -> None:
    for note in notes:
        with st.chat_message("assistant", avatar=":material/comment:"):
            st.markdown(fmt.plain(note.body))
            st.caption(f"{fmt.plain(note.author)} · {fmt.when(note.created_at)}")
            if allowed(user, Action.REMOVE_COMMENT, note):
                st.button(
                    "Remove",
                    key=keys.comment_remove(note.id),
                    on_click=_remove,
                    args=(note.id,),
                    type="tertiary",
                    icon=":material/delete:",
                )


def _form(attempt_id: int, position: int | None, label: str) -> None:
    with st.form(keys.comment_form(attempt_id, position), clear_on_submit=False, border=False):
        st.text_area(
            label,
            key=keys.comment_text(attempt_id, position),
            max_chars=comments.MAX_LENGTH,
            height=80,
            placeholder="What the trainee should know (they see it on their results page)",
        )
        st.form_submit_button("Save comment", on_click=_add, args=(attempt_id, position))
