"""Trainers and managers: the trainees they look after, with attempts and best scores."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import accounts, attempts
from app.ui import fmt, nav
from app.ui.resources import engine


def render() -> None:
    user = nav.require("trainees")
    st.title("Trainees")
    people = accounts.list_users(engine(), user, role="trainee")
    if user.role == "trainer":
        st.caption(f"Trainees of cohort {user.cohort or '(none)'}")
    if not people:
        st.info("No trainees to show yet.")
        return
    rows = []
    for person in people:
        done = [
            a for a in attempts.attempts_of(engine(), user, person.id) if a["status"] == "submitted"
        ]
        last = max(done, key=lambda a: a["submitted_at"], default=None)
        rows.append(
            {
                "Trainee": person.display_name,
                "Username": person.username,
                "Cohort": person.cohort or "",
                "Active": person.active,
                "Attempts": len(done),
                "Best (%)": max((a["score_percent"] for a in done), default=None),
                "Last attempt": fmt.local(last["submitted_at"]) if last else None,
            }
        )
    st.dataframe(
        pd.DataFrame(rows),
        hide_index=True,
        width="stretch",
        column_config={
            "Best (%)": st.column_config.NumberColumn(format="%.1f"),
            "Last attempt": st.column_config.DatetimeColumn(format="D MMM YYYY, HH:mm"),
        },
    )
