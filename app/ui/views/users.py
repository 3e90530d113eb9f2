"""Managers: every account, its role, cohort and whether it is active."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app import accounts
from app.ui import nav
from app.ui.resources import engine


def render() -> None:
    user = nav.require("users")
    st.title("Users")
    people = accounts.list_users(engine(), user)
    st.caption(f"{len(people)} accounts. Add or change accounts with `resurface users`.")
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": p.display_name,
                    "Username": p.username,
                    "Role": p.role,
                    "Cohort": p.cohort or "",
                    "Active": p.active,
                }
                for p in people
            ]
        ),
        hide_index=True,
        width="stretch",
    )
