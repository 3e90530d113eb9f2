"""Home: unfinished attempts to resume, the quizzes open to the user, their certifications."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from app import accommodations, attempts, certstatus, clock, progress, questionreports, startterms
from app.accounts import User
from app.attempts import AttemptError
from app.examwindows import QuizNotOpen
from app.ui import auth, fmt, keys, nav, reporting
from app.ui import certificates as certificate_ui
from app.ui.resources import catalogue, engine

CARD_KEY = "resurface-quiz-card-"  # + the quiz id: the container of a quiz's card


@auth.callback
def _ask(user: User, quiz_id: str) -> None:
    """Start: a timed or limited quiz asks first (its card shows what a start means)."""
    quiz = catalogue().quizzes[quiz_id]
    if startterms.terms(engine(), user, quiz).asks_first:
        st.session_state[keys.HOME_ASKING] = quiz_id
    else:
        _start(user, quiz_id)


@auth.callback
def _cancel(_user: User) -> None:
    st.session_state.pop(keys.HOME_ASKING, None)


@auth.callback
def _confirm(user: User, quiz_id: str) -> None:
    st.session_state.pop(keys.HOME_ASKING, None)
    _start(user, quiz_id)


def _start(user: User, quiz_id: str) -> None:
    quiz = catalogue().quizzes[quiz_id]
    try:
        view = attempts.start(engine(), user, quiz, catalogue())
    except QuizNotOpen as exc:  # its words name the quiz already
        nav.notice(f"{str(exc)[:1].upper()}{str(exc)[1:]}.", "error")
        return
    except AttemptError as exc:
        nav.notice(f"{quiz.title}: {exc}.", "error")
        return
    except ValueError as exc:  # the banks no longer fill this quiz's blueprint
        nav.notice(f"{quiz.title} cannot be started right now ({exc}); tell your trainer.", "error")
        return
    st.session_state[keys.HOME_GO] = view.id


def render() -> None:
    user = nav.require("home")
    target = st.session_state.pop(keys.HOME_GO, None)
    if target is not None:
        nav.go("quiz", attempt=target)
    st.title(f"Welcome, {fmt.plain(user.display_name)}")
    nav.show_notice()
    now = clock.now()
    cat = catalogue()

    seen = progress.overview(engine(), user, cat, now)
    said = accommodations.notices(seen.accommodation)
    if said:
        st.info("  \n".join(said), icon=":material/accessibility_new:")
    for row in seen.open_attempts:
        title = row["quiz"].get("title", row["quiz_id"])
        left = f", {fmt.duration(row['deadline'] - now)} left" if row["deadline"] else ""
        with st.container(border=True):
            st.markdown(f":material/pending: You have an unfinished attempt at **{title}**{left}.")
            st.page_link(
                nav.page("quiz"),
                label=f"Resume {title}",
                icon=":material/play_arrow:",
                query_params={"attempt": row["id"]},
            )

    reports = questionreports.recent(questionreports.mine(engine(), user), now)
    if reports:
        st.markdown("### Your reported questions")
        for report in reports:
            quiz = cat.quizzes.get(report.quiz_id)
            reporting.status(report, quiz.title if quiz else None)

    if seen.certifications:
        st.markdown("### Certifications")
        for cert in seen.certifications:
            _certificate(cert)
        certificate_ui.listing(user, user.id, heading="#### Your certificates")

    exams = [s for s in seen.standings if s.quiz.mode == "exam"]
    practice = [s for s in seen.standings if s.quiz.mode != "exam"]
    if exams:
        st.markdown("### Exams")
        for standing in exams:
            _quiz_card(standing, now, describe=True)
    if practice:
        st.markdown("### Practice by topic")
        st.caption("Untimed, with the right answer and its source shown after each question.")
        for standing in practice:
            _quiz_card(standing, now, describe=False)


def _certificate(cert: certstatus.Certification) -> None:
    if cert.status in certstatus.CERTIFIED:
        st.success(
            f"**{cert.name}**: valid until {fmt.day(cert.valid_until)}", icon=":material/verified:"
        )
    elif cert.status == "expired":
        st.warning(
            f"**{cert.name}**: expired on {fmt.day(cert.valid_until)}; "
            f"pass *{cert.quiz_title}* again to renew it.",
            icon=":material/history_toggle_off:",
        )
    else:
        st.info(
            f"**{cert.name}**: not yet earned; pass *{cert.quiz_title}* to earn it.",
            icon=":material/workspace_premium:",
        )


def _quiz_card(s: progress.Standing, now: datetime, describe: bool) -> None:
    quiz = s.quiz
    facts = [
        f"{s.questions} questions",
        _minutes(s),
        f"attempts {s.attempts_used} of {s.attempt_limit}"
        if s.attempt_limit
        else f"{s.attempts_used} {'attempt' if s.attempts_used == 1 else 'attempts'}",
        f"pass mark {quiz.pass_mark:g}%",
    ]
    if s.best_percent is not None:
        facts.append(f"best {fmt.percent(s.best_percent)}")
    badge = ""
    if s.passed:
        badge = " :green-badge[:material/check: Passed]"
    elif s.passed is False:
        badge = " :orange-badge[Not passed yet]"
    # The action under the text, not in a column beside it: "Start <quiz title>" (the name a
    # screen reader needs, one per quiz) would not fit a quarter of the card.
    with st.container(border=True, key=f"{CARD_KEY}{quiz.id}"):
        text, action = st.container(), st.container()
        text.markdown(f"**{quiz.title}**{badge}  \n:gray[{' · '.join(facts)}]")
        if describe:
            text.caption(quiz.description)
        window = s.window
        closed = window is not None and not window.is_open(now)
        if window is not None and window.not_yet(now):
            text.markdown(f":material/event: Opens {fmt.when(window.opens_at)}")
        elif window is not None and closed:
            text.markdown(f":material/event_busy: Closed {fmt.when(window.closes_at)}")
        elif window is not None and window.closes_at is not None:
            text.markdown(f":material/event: Open until {fmt.when(window.closes_at)}")
        if s.open_attempt_id is not None:
            with action:
                st.page_link(
                    nav.page("quiz"),
                    label=f"Resume {quiz.title}",
                    icon=":material/play_arrow:",
                    query_params={"attempt": str(s.open_attempt_id)},
                )
        elif s.attempts_left == 0:
            action.caption("No attempts left")
        elif closed:
            action.caption("Not open now")
        elif st.session_state.get(keys.HOME_ASKING) != quiz.id:
            action.button(
                f"Start {quiz.title}",  # the name a screen reader gives it: one per quiz
                key=keys.home_start(quiz.id),
                on_click=_ask,
                args=(quiz.id,),
                icon=":material/play_arrow:",
            )
    if st.session_state.get(keys.HOME_ASKING) == quiz.id and s.open_attempt_id is None:
        _confirmation(quiz.id)


def _minutes(s: progress.Standing) -> str:
    """The time limit as the trainee has it: ``45 min``, or ``60 min (15 extra)``."""
    if s.time_limit is None:
        return "untimed"
    extra = s.time_limit - (s.quiz.time_limit_minutes or 0)
    return f"{s.time_limit} min ({extra} extra)" if extra else f"{s.time_limit} min"


def _confirmation(quiz_id: str) -> None:
    """What a start means, with the start itself and a way back; nothing exists until then."""
    quiz = catalogue().quizzes[quiz_id]
    user = st.session_state[keys.USER]
    terms = startterms.terms(engine(), user, quiz)
    with st.container(border=True):
        st.markdown(f"**Start {quiz.title}?**  \n{terms.words()}")
        if terms.refusal is not None:
            st.warning(f"You cannot start it now: {terms.refusal}.")
            st.button("Cancel", key=keys.home_cancel(quiz_id), on_click=_cancel)
            return
        buttons = st.container(horizontal=True, gap="small")
        buttons.button(
            f"Start {quiz.title} now",  # not the card's "Start <title>": one name, one button
            key=keys.home_confirm(quiz_id),
            type="primary",
            icon=":material/timer:" if terms.minutes else ":material/play_arrow:",
            on_click=_confirm,
            args=(quiz_id,),
        )
        buttons.button("Cancel", key=keys.home_cancel(quiz_id), on_click=_cancel)
