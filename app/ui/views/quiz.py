"""Taking a quiz: one question per screen, saved the moment it is answered.

Where the trainee is lives in the URL (``?attempt=12&q=7``), and everything they did lives in the
database, so a reload, a new tab or a server restart lands on the same question with the same
answers, flags and remaining time.
"""

from __future__ import annotations

import time
from datetime import datetime

import streamlit as st
from sqlalchemy.exc import DBAPIError

from app import attempts, clock, feedback, present, questionreports
from app.accounts import AccountInactive, SessionEnded, User
from app.attempts import AttemptError, AttemptView, QuestionState
from app.engine import InvalidAnswer, normalize_answer
from app.ui import a11y, auth, fmt, keys, nav, questions, reporting
from app.ui.fmt import clock as countdown_text
from app.ui.resources import catalogue, engine

WARN_SECONDS = 300
RETRY_DELAYS = (0.3, 1.0)  # seconds before each new try of a save the database did not take
NOT_SAVED = (
    "Your answer was NOT saved: the server could not reach the database, even after trying again. "
    "Your choice is still on screen; press Save again below in a moment."
)
SAVED = "Answer saved"  # what the live region says after a save (a11y.announce)


def _attempt_id() -> int | None:
    return nav.query_id("attempt")


def _position(view: AttemptView) -> int:
    shown = nav.query_id("q")
    if shown is not None and 1 <= shown <= len(view.questions):
        return shown - 1
    unanswered = [s.presented.position for s in view.questions if not present.is_complete(s.answer)]
    return unanswered[0] if unanswered else 0


def _go_to(position: int) -> None:
    st.query_params["q"] = str(position + 1)


@auth.callback
def _step(_user: User, position: int) -> None:
    _go_to(position)


@auth.callback
def _save(user: User, attempt_id: int, position: int) -> None:
    """Widget callback: save what the widgets hold for this question, now; a database that does
    not answer is tried again twice, and the page says if it never did (see _save_status)."""
    _save_answer(user, attempt_id, position)


@auth.callback
def _check(user: User, attempt_id: int, position: int) -> None:
    """A practice question's "Check answer": save, then the focus goes back to its heading."""
    _save_answer(user, attempt_id, position)
    st.session_state[keys.QUIZ_REFOCUS] = True


def _save_answer(user: User, attempt_id: int, position: int) -> None:
    for delay in (*RETRY_DELAYS, None):
        try:
            a11y.said(_save_once(user, attempt_id, position))
            return
        except DBAPIError:
            nav.log.warning("saving an answer failed; %s", "retrying" if delay else "giving up")
            if delay is None:
                nav.notice(NOT_SAVED, "error")
                a11y.said(NOT_SAVED)
                return
            time.sleep(delay)


def _save_once(user: User, attempt_id: int, position: int) -> str:
    """Save, and return what the live region says: saved, or why not."""
    view = attempts.get(engine(), user, attempt_id)
    state = view.questions[position]
    clash = questions.clash(view, state)
    if clash is not None:  # shown under the question until it is mended (_clash)
        return f"Not saved: {clash}"
    answer = questions.read(view, state)
    try:
        attempts.save_answer(engine(), user, attempt_id, position, answer)
    except AttemptError as exc:
        nav.notice(f"Your answer was not saved: {exc}.", "error")
        return f"Not saved: {exc}."
    except InvalidAnswer as exc:
        # The message starts with the question id, which means nothing to a trainee.
        reason = str(exc).split(": ", 1)[-1]
        nav.notice(f"{reason[:1].upper()}{reason[1:]}.", "warning")
        return f"Not saved: {reason}."
    return SAVED


@auth.callback
def _flag(user: User, attempt_id: int, position: int) -> None:
    flagged = bool(st.session_state.get(keys.flag(attempt_id, position)))
    try:
        attempts.set_flag(engine(), user, attempt_id, position, flagged)
    except AttemptError as exc:
        nav.notice(f"The flag was not saved: {exc}.", "error")


@auth.callback
def _navigate(_user: User, attempt_id: int) -> None:
    chosen = st.session_state.get(keys.navigator(attempt_id))
    if chosen is not None:
        _go_to(chosen)


def render() -> None:
    user = nav.require("quiz")
    attempt_id = _attempt_id()
    if attempt_id is None:
        st.warning("No attempt chosen. Start or resume a quiz from your home page.")
        st.page_link(nav.page("home"), label="Go to home", icon=":material/home:")
        return
    try:
        view = attempts.get(engine(), user, attempt_id)
    except attempts.AttemptNotFound:
        st.error(f"There is no attempt {attempt_id} that you can open.")
        return
    if not view.is_open or view.user_id != user.id:
        nav.go("results", attempt=view.id)
    nav.show_notice()

    position = _position(view)
    # Pin the question in the URL: without it, saving an answer would move the next run on to
    # the first unanswered question (before a practice verdict could show, mid multiple-choice).
    _go_to(position)
    _scroll_to_top_on_change(view.id, position)
    _focus_on_move(view.id, position)
    a11y.announce()
    state = view.questions[position]
    total = len(view.questions)
    answered = sum(present.is_complete(s.answer) for s in view.questions)
    flagged = sum(s.flagged for s in view.questions)

    st.subheader(view.quiz.title)
    if view.deadline is not None:
        _countdown(view.id, view.deadline)
    st.progress((position + 1) / total, text=f"Question {position + 1} of {total}")
    st.caption(f"{answered} of {total} answered" + (f" · {flagged} flagged" if flagged else ""))

    snap = state.presented.snapshot
    questions.vignette(snap)
    with st.container(key=_heading_key(position)):
        st.markdown(f"#### {snap.stem}")
    questions.seed_state(view, state)
    verdict = feedback.immediate(view, position)
    if view.quiz.feedback == "immediate":
        _practice_question(view, state, verdict)
        if verdict is not None:
            reporting.question(view, position, questionreports.mine(engine(), user), fold=True)
    else:
        questions.widgets(view, state, on_change=_save)
        if not _clash(view, state):
            _save_status(view, state)

    st.session_state.setdefault(keys.flag(view.id, position), state.flagged)
    st.toggle(
        "Flag for review",
        key=keys.flag(view.id, position),
        on_change=_flag,
        args=(view.id, position),
    )

    # A horizontal container, not columns: columns stack on a phone, these stay side by side.
    buttons = st.container(horizontal=True, gap="small")
    buttons.button(
        "Previous",
        icon=":material/arrow_back:",
        disabled=position == 0,
        on_click=_step,
        args=(position - 1,),
        key=keys.QUIZ_PREV,
        width="stretch",
    )
    if position < total - 1:
        buttons.button(
            "Next",
            icon=":material/arrow_forward:",
            on_click=_step,
            args=(position + 1,),
            key=keys.QUIZ_NEXT,
            width="stretch",
        )
    else:
        buttons.button(
            "Submit…",
            type="primary",
            key=keys.QUIZ_SUBMIT_LAST,
            width="stretch",
            on_click=_ask_submit,
        )

    _navigator(view, position)
    if position < total - 1:
        st.button(
            "Submit quiz…", key=keys.QUIZ_SUBMIT, on_click=_ask_submit, icon=":material/send:"
        )
    if st.session_state.pop(keys.CONFIRM_SUBMIT, False):
        _confirm_submit(view)


def _save_status(view: AttemptView, state: QuestionState) -> None:
    """Whether what the question shows is what the database holds: saved (and when), or not."""
    held = questions.read(view, state)
    try:
        held = normalize_answer(state.presented.snapshot, held)
    except InvalidAnswer:
        return  # half a matching answer, say: the save already said what is missing
    if held == state.answer:
        if state.answered_at is not None:
            st.caption(f":material/cloud_done: Saved {fmt.local(state.answered_at):%H:%M:%S}")
        return
    st.warning(
        "Not saved: what is shown here is not in the database yet.", icon=":material/sync_problem:"
    )
    st.button(
        "Save again",
        key=keys.save_again(view.id, state.presented.position),
        icon=":material/save:",
        on_click=_save,
        args=(view.id, state.presented.position),
    )


def _practice_question(view: AttemptView, state, verdict: feedback.Verdict | None) -> None:
    """Immediate feedback: the answer is checked once, then the verdict and its sources show."""
    position = state.presented.position
    if verdict is None:
        with st.form(keys.check_form(view.id, position), border=False):
            questions.widgets(view, state, on_change=None)
            st.form_submit_button(
                "Check answer", type="primary", on_click=_check, args=(view.id, position)
            )
        _clash(view, state)
        return
    questions.marked(state)
    snap = verdict.snapshot
    if verdict.correct:
        st.success("Correct.", icon=":material/check_circle:")
    else:
        if verdict.points > 0:
            st.warning("Partly right.", icon=":material/rule:")
        else:
            st.error("Not quite.", icon=":material/cancel:")
        questions.answer_block("Right answer", snap, verdict.key)
    st.markdown(snap.explanation)
    questions.citations(snap, catalogue())


def _navigator(view: AttemptView, position: int) -> None:
    def label(p: int) -> str:
        s = view.questions[p]
        marks = ("✓" if present.is_complete(s.answer) else "") + ("⚑" if s.flagged else "")
        return f"{p + 1} {marks}".strip()

    st.session_state[keys.navigator(view.id)] = position
    st.pills(
        "Jump to a question (✓ answered, ⚑ flagged)",
        list(range(len(view.questions))),
        format_func=label,
        key=keys.navigator(view.id),
        on_change=_navigate,
        args=(view.id,),
    )


def _scroll_to_top_on_change(attempt_id: int, position: int) -> None:
    """A new question starts at the top: Streamlit keeps the scroll position between reruns."""
    key = keys.scrolled_to(attempt_id)
    if st.session_state.get(key) == position:
        return
    st.session_state[key] = position
    # In the sidebar so it takes no room in the page; the script runs wherever it sits.
    st.sidebar.html(
        f"<script>/* question {position} */ for (const el of [document.querySelector("
        "'[data-testid=\"stMain\"]'), document.scrollingElement]) { if (el) el.scrollTo(0, 0); }"
        "</script>",
        unsafe_allow_javascript=True,
    )


def _heading_key(position: int) -> str:
    """The container of the question's heading: the focus goes there on each move."""
    return f"resurface-question-{position}"


def _focus_on_move(attempt_id: int, position: int) -> None:
    """Keyboard and screen-reader users land on the new question's heading after Next,
    Previous, a jump or a check, not on the button they pressed or the top of the page."""
    key = keys.focused_on(attempt_id)
    if st.session_state.get(key) == position and not st.session_state.pop(keys.QUIZ_REFOCUS, 0):
        return
    st.session_state[key] = position
    a11y.focus_heading(_heading_key(position))


def _clash(view: AttemptView, state: QuestionState) -> bool:
    """A matching answer with one right-hand option given to two items: say so; not saved."""
    clash = questions.clash(view, state)
    if clash is None:
        return False
    st.warning(f"Not saved: {clash}", icon=":material/sync_problem:")
    return True


@auth.callback
def _ask_submit(_user: User) -> None:
    st.session_state[keys.CONFIRM_SUBMIT] = True


@st.dialog("Submit this attempt?")
def _confirm_submit(view: AttemptView) -> None:
    unanswered = [
        s.presented.position + 1 for s in view.questions if not present.is_complete(s.answer)
    ]
    flagged = [s.presented.position + 1 for s in view.questions if s.flagged]
    if unanswered:
        st.warning(
            f"Unanswered or incomplete ({len(unanswered)}): questions "
            f"{', '.join(map(str, unanswered))}. What is missing scores nothing."
        )
    if flagged:
        st.info(f"Flagged for review: questions {', '.join(map(str, flagged))}.")
    if not unanswered and not flagged:
        st.write("Every question is answered.")
    st.write("Once submitted, answers cannot be changed.")
    left, right = st.columns(2)
    if left.button("Keep working", key=keys.QUIZ_KEEP, width="stretch"):
        st.rerun()
    if right.button("Submit now", type="primary", key=keys.QUIZ_SUBMIT_NOW, width="stretch"):
        # A dialog reruns alone, without the page's check of the session: check it here.
        user = auth.acting()
        if user is not None:
            try:
                attempts.submit(engine(), user, view.id)
            except (AccountInactive, SessionEnded):  # revoked between the check and the write
                auth.session_ended()
        # Rerun the whole page, which sends a closed attempt to its results. Switching pages
        # from here, inside the dialog, let the countdown's last tick blank the results page.
        st.rerun(scope="app")


def _countdown(attempt_id: int, deadline: datetime) -> None:
    """Time left, counted down in the browser; one server run, at the deadline, closes the attempt.

    The browser counts from the seconds left when the page was drawn, so a clock set wrong on the
    trainee's computer changes nothing. Counting on the server (a fragment rerun every second) cost
    every trainee a script run a second, and under load those runs crossed the trainee's own clicks
    and left pages that no longer answered them.
    """
    now = clock.now()
    if attempts.deadline_passed(deadline, now):
        _time_up(attempt_id)
    left = deadline - now
    seconds = left.total_seconds()
    warn = " warn" if seconds < WARN_SECONDS else ""
    st.container(key=a11y.COUNTDOWN_KEY).html(
        f'<div class="resurface-countdown{warn}" data-resurface-countdown role="timer">'
        '<span class="icon" aria-hidden="true">timer</span> '
        f"<b>{countdown_text(left)}</b> left</div>"
        f"<style>{_COUNTDOWN_CSS}</style>"
        f"<script>{_COUNTDOWN_JS.replace('LEFT_MS', str(round(seconds * 1000)))}</script>",
        unsafe_allow_javascript=True,
    )

    # Fires once, just after the deadline (each rerun of the page sets it again from now).
    @st.fragment(run_every=seconds + 0.5)
    def at_deadline() -> None:
        if attempts.deadline_passed(deadline, clock.now()):
            _time_up(attempt_id)

    at_deadline()


def _time_up(attempt_id: int) -> None:
    # Closing is the core's job: reading the attempt past its deadline submits it.
    attempts.get(engine(), st.session_state[keys.USER], attempt_id)
    nav.notice("Time is up: your attempt was submitted with the answers you had saved.", "warning")
    st.rerun(scope="app")


WARN_COLOR = "#e0245e"  # Streamlit's red, as :red[] shows it
_COUNTDOWN_CSS = f"""
.resurface-countdown {{ font-size: 1rem; line-height: 1.6; }}
.resurface-countdown .icon {{ font-family: 'Material Symbols Rounded'; font-size: 1.25rem;
  vertical-align: -0.25em; font-weight: normal; user-select: none; }}
.resurface-countdown.warn {{ color: {WARN_COLOR}; }}
"""
# One ticker per browser tab, reading the newest end time; it stops when no countdown is shown.
_COUNTDOWN_JS = f"""(() => {{
  window.__resurfaceEnd = performance.now() + LEFT_MS;
  window.__resurfaceMisses = 0;
  const tick = () => {{
    const shown = document.querySelectorAll('[data-resurface-countdown]');
    if (!shown.length) {{
      // Gone for good (another page) after a few seconds, not while a rerun redraws it.
      if (++window.__resurfaceMisses > 20) {{
        clearInterval(window.__resurfaceTicker); window.__resurfaceTicker = 0;
      }}
      return;
    }}
    window.__resurfaceMisses = 0;
    const left = Math.max(0, Math.floor((window.__resurfaceEnd - performance.now()) / 1000));
    const h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    const two = n => String(n).padStart(2, '0');
    const text = h ? `${{h}}:${{two(m)}}:${{two(s)}}` : `${{two(m)}}:${{two(s)}}`;
    for (const el of shown) {{
      const b = el.querySelector('b');
      if (b && b.textContent !== text) b.textContent = text;
      el.classList.toggle('warn', left < {WARN_SECONDS});
    }}
  }};
  if (!window.__resurfaceTicker) window.__resurfaceTicker = setInterval(tick, 250);
  setTimeout(tick, 0);
}})();"""
