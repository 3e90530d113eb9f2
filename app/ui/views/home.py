"""Home: unfinished attempts to resume, the quizzes open to the user, their certifications."""

from __future__ import annotations

import streamlit as st

from app import attempts, certstatus, clock, progress, questionreports
from app.accounts import User
from app.attempts import AttemptError
from app.ui import auth, fmt, keys, nav, reporting
from app.ui import certificates as certificate_ui
from app.ui.resources import catalogue, engine


@auth.callback
def _start(user: User, quiz_id: str) -> None:
    quiz = catalogue().quizzes[quiz_id]
    try:
        view = attempts.start(engine(), user, quiz, catalogue())
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
    for row in seen.open_attempts:
        title = row["quiz"].get("title", row["quiz_id"])
        left = f", {fmt.duration(row['deadline'] - now)} left" if row["deadline"] else ""
        with st.container(border=True):
            st.markdown(f":material/pending: You have an unfinished attempt at **{title}**{left}.")
            st.page_link(
                nav.page("quiz"),
                label="Resume",
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
            _quiz_card(standing, describe=True)
    if practice:
        st.markdown("### Practice by topic")
        st.caption("Untimed, with the right answer and its source shown after each question.")
        for standing in practice:
            _quiz_card(standing, describe=False)


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


def _quiz_card(s: progress.Standing, describe: bool) -> None:
    quiz = s.quiz
    facts = [
        f"{s.questions} questions",
        f"{quiz.time_limit_minutes} min" if quiz.time_limit_minutes else "untimed",
        f"attempts {s.attempts_used} of {quiz.max_attempts}"
        if quiz.max_attempts
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
    with st.container(border=True):
        text, action = st.columns([3, 1], vertical_alignment="center")
        text.markdown(f"**{quiz.title}**{badge}  \n:gray[{' · '.join(facts)}]")
        if describe:
            text.caption(quiz.description)
        if s.open_attempt_id is not None:
            with action:
                st.page_link(
                    nav.page("quiz"),
                    label="Resume",
                    icon=":material/play_arrow:",
                    query_params={"attempt": str(s.open_attempt_id)},
                )
        elif s.attempts_left == 0:
            action.caption("No attempts left")
        else:
            action.button(
                "Start",
                key=keys.home_start(quiz.id),
                on_click=_start,
                args=(quiz.id,),
                icon=":material/play_arrow:",
                width="stretch",
            )
