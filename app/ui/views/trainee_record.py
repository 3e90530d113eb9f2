"""One trainee for their trainer: certifications, topic mastery and every attempt to open."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app import accommodations, certstatus, dashboard, present
from app.accommodations import BadAccommodation
from app.accounts import Forbidden, NotFound, User
from app.permissions import Action, allowed
from app.ui import auth, fmt, keys, nav, personaldata
from app.ui import certificates as certificate_ui
from app.ui.resources import catalogue, engine


def render() -> None:
    user = nav.require("trainee")
    st.page_link(nav.page("trainees"), label="All trainees", icon=":material/arrow_back:")
    chosen = nav.query_id("user")
    if chosen is None:
        st.warning("No trainee chosen. Pick one on the Trainees page.")
        return
    cat = catalogue()
    try:
        record = dashboard.trainee_record(engine(), user, chosen, cat)
    except NotFound:
        st.error(f"There is no trainee {chosen} that you can open.")
        return
    person = record.user
    st.title(fmt.plain(person.display_name))
    nav.show_notice()
    inactive = " · :orange-badge[Deactivated]" if not person.active else ""
    cohort = fmt.plain(person.cohort or "(none)")
    st.caption(f"{fmt.plain(person.username)} · cohort {cohort}{inactive}")
    personaldata.export_button(user, person)
    personaldata.erase_form(user, person)
    for cert in record.certifications:
        until = f" until {fmt.day(cert.valid_until)}" if cert.status in certstatus.CERTIFIED else ""
        ended = f" on {fmt.day(cert.valid_until)}" if cert.status == "expired" else ""
        badge = f":{certstatus.COLOURS[cert.status]}-badge[{certstatus.LABELS[cert.status]}]"
        st.markdown(f"**{cert.name}**: {badge}{until}{ended}")
    _accommodation(user, person)
    found = certificate_ui.listing(user, person.id, heading="##### Certificates")
    certificate_ui.revoking(user, found)
    _mastery(record, cat)
    st.markdown("##### Attempts")
    if not record.attempts:
        st.info("No attempts yet.")
        return
    for a in record.attempts:
        _attempt_card(a)


def _accommodation(user: User, person: User) -> None:
    """The trainee's extra time and attempts; a form for their trainer or a manager."""
    given = accommodations.accommodation_of(engine(), user, person.id)
    said = accommodations.notices(given)
    may = allowed(user, Action.ACCOMMODATE, person)
    if not said and not may:
        return
    st.markdown("##### Exam accommodation")
    if said:
        text = " ".join(said).replace("You have", "Has")
        why = f"Reason: {fmt.plain(given.reason)} · set {fmt.when(given.set_at)}"
        st.markdown(f"{text}  \n:gray[{why}]")
    else:
        st.caption("None: the quizzes' own time limits and attempts apply.")
    message = st.session_state.pop(keys.ACCOMMODATION_MESSAGE, None)
    if message is not None:
        getattr(st, message[1])(message[0])
    if not may:
        return
    with st.form(keys.ACCOMMODATION_FORM):
        left, middle, right = st.columns(3)
        left.number_input(
            "Extra minutes",
            min_value=0,
            max_value=accommodations.MAX_EXTRA_MINUTES,
            value=given.extra_minutes,
            step=5,
            key=keys.ACCOMMODATION_MINUTES,
            help="Added to every timed quiz's time limit.",
        )
        middle.number_input(
            "Time factor",
            min_value=1.0,
            max_value=accommodations.MAX_FACTOR,
            value=float(given.time_factor),
            step=0.25,
            key=keys.ACCOMMODATION_FACTOR,
            help="1.5 gives half as long again; the extra minutes come on top.",
        )
        right.number_input(
            "Extra attempts",
            min_value=0,
            max_value=accommodations.MAX_EXTRA_ATTEMPTS,
            value=given.extra_attempts,
            key=keys.ACCOMMODATION_ATTEMPTS,
            help="Added to every quiz that limits attempts.",
        )
        st.text_input(
            "Reason (kept in the audit log)",
            key=keys.ACCOMMODATION_REASON,
            max_chars=500,
            placeholder="e.g. agreed learning support plan",
        )
        st.form_submit_button(
            "Save accommodation", type="primary", on_click=_save, args=(person.id,)
        )


@auth.callback
def _save(user: User, person_id: int) -> None:
    state = st.session_state
    try:
        saved = accommodations.set_accommodation(
            engine(),
            user,
            person_id,
            extra_minutes=int(state.get(keys.ACCOMMODATION_MINUTES) or 0),
            time_factor=float(state.get(keys.ACCOMMODATION_FACTOR) or 1.0),
            extra_attempts=int(state.get(keys.ACCOMMODATION_ATTEMPTS) or 0),
            reason=state.get(keys.ACCOMMODATION_REASON) or "",
        )
    except (BadAccommodation, Forbidden, NotFound) as exc:
        state[keys.ACCOMMODATION_MESSAGE] = (f"Not saved: {exc}.", "error")
        return
    state[keys.ACCOMMODATION_REASON] = ""
    done = "Accommodation saved." if saved.any else "Accommodation removed."
    state[keys.ACCOMMODATION_MESSAGE] = (done, "success")


def _attempt_card(a: dict) -> None:
    title = a["quiz_title"]
    if a["status"] == "open":
        badge = ":blue-badge[Open]"
        detail = f"started {fmt.when(a['started_at'])}"
    else:
        badge = ":green-badge[Passed]" if a["passed"] else ":orange-badge[Not passed]"
        took = fmt.duration(a["submitted_at"] - a["started_at"])
        detail = f"{fmt.percent(a['score_percent'])} · {fmt.when(a['submitted_at'])} · {took}"
        if a["closed_by"] == "deadline":
            detail += " · time ran out"
    notes = a["comments"]
    if notes:
        detail += f" · {notes} comment{'s' if notes != 1 else ''}"
    with st.container(border=True):
        text, action = st.columns([4, 1], vertical_alignment="center")
        text.markdown(f"**{title}** {badge}  \n:gray[{detail}]")
        with action:
            st.page_link(
                nav.page("review"),
                label="Open",
                icon=":material/rate_review:",
                query_params={"attempt": a["id"]},
            )


def _mastery(record: dashboard.Record, cat) -> None:
    if record.mastery.empty:
        return
    data = record.mastery.assign(
        topic=record.mastery["topic"].map(lambda t: cat.topics[t].title if t in cat.topics else t),
        percent=(record.mastery["share"] * 100).map(present.chart_percent),
        shown=(record.mastery["share"] * 100).map(present.percent),
    )
    st.markdown("##### Topic mastery")
    st.caption(
        f"Share of points per topic over the latest {dashboard.RECENT_ATTEMPTS} attempts that "
        "asked about it."
    )
    base = alt.Chart(data).encode(
        x=alt.X("percent:Q", title="Correct (%)", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y(
            "topic:N",
            sort="x",
            title=None,
            axis=fmt.topic_axis(),
        ),
        tooltip=[
            alt.Tooltip("topic:N", title="Topic"),
            alt.Tooltip("percent:Q", title="Correct (%)"),
            alt.Tooltip("questions:Q", title="Questions"),
        ],
    )
    colour = alt.Color(
        "percent:Q", scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen"), legend=None
    )
    chart = alt.layer(*fmt.topic_bars(base, colour)).properties(height=alt.Step(30))
    st.altair_chart(chart, width="stretch")
