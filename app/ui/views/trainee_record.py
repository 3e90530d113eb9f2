"""One trainee for their trainer: certifications, topic mastery and every attempt to open."""

from __future__ import annotations

import altair as alt
import streamlit as st

from app import certstatus, dashboard, present
from app.accounts import NotFound
from app.ui import certificates as certificate_ui
from app.ui import fmt, nav
from app.ui.resources import catalogue, engine

BADGE_COLOUR = {"current": "green", "expiring": "orange", "expired": "red", "never": "gray"}


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
    for cert in record.certifications:
        until = f" until {fmt.day(cert.valid_until)}" if cert.status in certstatus.CERTIFIED else ""
        ended = f" on {fmt.day(cert.valid_until)}" if cert.status == "expired" else ""
        badge = f":{BADGE_COLOUR[cert.status]}-badge[{certstatus.NAMES[cert.status]}]"
        st.markdown(f"**{cert.name}**: {badge}{until}{ended}")
    found = certificate_ui.listing(user, person.id, heading="##### Certificates")
    certificate_ui.revoking(user, found)
    _mastery(record, cat)
    st.markdown("##### Attempts")
    if not record.attempts:
        st.info("No attempts yet.")
        return
    for a in record.attempts:
        _attempt_card(a)


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
    bars = base.mark_bar().encode(
        color=alt.Color(
            "percent:Q", scale=alt.Scale(domain=[0, 100], scheme="redyellowgreen"), legend=None
        )
    )
    # The figure at each bar's end, so a 0% topic still shows a value rather than nothing.
    labels = base.mark_text(align="left", dx=4, fontSize=11).encode(
        text=alt.Text("percent:Q", format=".1~f")  # as chart_percent gave it: "66.6", "80"
    )
    chart = (bars + labels).properties(height=alt.Step(30))  # room for two-line names
    st.altair_chart(chart, width="stretch")
