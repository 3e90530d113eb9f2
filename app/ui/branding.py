"""The clinic's name and logo on every page, and the few styles that make Streamlit's own markup
readable (WCAG 2.1 AA); the accent colour is Streamlit's theme, set by ``resurface serve``.

The settings are read in app.config (RESURFACE_CLINIC_NAME, RESURFACE_LOGO, RESURFACE_ACCENT_COLOR)
and checked there when the server starts.
"""

from __future__ import annotations

import logging

import streamlit as st

from app import config

log = logging.getLogger("resurface.ui")

# The only CSS the app adds. Each rule answers an axe-core finding on Streamlit's own markup that
# no theme setting reaches (tests/test_e2e_axe.py scans every page for them).
STYLE = """<style>
/* Captions: Streamlit dims them to 60% opacity, 3.9:1 on white where WCAG AA asks 4.5:1 for
   text; at 80% they still read as secondary, at 6.9:1 (and stay light on a dark theme). */
div[data-testid="stCaptionContainer"] { opacity: 0.8; }
/* The chosen option of a segmented control or of pills: Streamlit writes it in the accent colour
   on a 10% tint of the same colour, 4.47:1 for its default red. In the page's text colour it
   reads at 11:1; the accent border and tint still mark the choice. Streamlit's rules for each
   state (chosen, chosen and hovered, chosen and focused) outrank a plain selector. */
button[data-variant="segmented_control"][data-selected]:not([data-disabled]),
button[data-variant="pills"][data-selected]:not([data-disabled]) { color: inherit !important; }
</style>"""


def title() -> str:
    """The name at the top of the sign-in page and in the browser's tab."""
    return config.app_name()


def apply() -> None:
    """The clinic's logo (if any) and the app's styles, once per run of every page."""
    try:
        logo = config.logo()
    except config.SettingError:  # moved or deleted since the server started: go on without it
        log.warning("the logo is not shown", exc_info=True)
        logo = None
    if logo is not None:
        st.logo(str(logo), size="large")
    st.html(STYLE)
