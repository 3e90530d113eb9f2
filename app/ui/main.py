"""The Streamlit entry point: who is signed in, then the pages their role may open."""

from __future__ import annotations

import streamlit as st

from app.ui import a11y, auth, branding, fmt, keys, nav
from app.ui.views import signin

st.set_page_config(page_title=branding.title(), page_icon=":material/school:", layout="centered")


def main() -> None:
    branding.apply()
    user = auth.current_user()
    st.session_state[keys.USER] = user
    auth.sync_cookie()
    a11y.styles(signed_in=user is not None)

    if user is None:
        page = st.navigation(
            [st.Page(signin.render, title="Sign in", url_path="signin", default=True)],
            position="hidden",
        )
    else:
        with st.sidebar:
            st.markdown(
                f"**{fmt.plain(user.display_name)}**  \n{user.role.title()}"
                + (f" · {fmt.plain(user.cohort)}" if user.cohort else "")
            )
            st.button(
                "Sign out", key=keys.SIGN_OUT, on_click=auth.sign_out, icon=":material/logout:"
            )
        # Every page in view: a manager has thirteen, and Streamlit folds a menu of more than
        # twelve behind "View 3 more", which hid Exports, Audit log and My account.
        page = st.navigation(nav.pages_for(user), position="sidebar", expanded=True)
    page.run()


try:
    main()
except Exception:  # a database that is down, a full disk...: said plainly, logged in full
    nav.trouble("the page")
    nav.show_notice()
