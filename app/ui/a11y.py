"""Keyboard and screen-reader help shared by the trainee's pages.

- ``styles()``, once per run from the entry point: the visible focus ring, the phone fixes (a
  countdown that stays in view, a labelled menu button, a compact scorecard) in one CSS block.
- ``focus_heading(marker)``: move the keyboard focus to the heading inside the container keyed
  ``marker`` once the browser shows it (after Next, Previous, a jump or a check).
- ``said(text)`` in a callback, then ``announce()`` on the page: a polite live region
  (``role="status"``) reads the outcome of a save to a screen reader ("Answer saved").

Streamlit cannot focus or announce from Python: small scripts do it, sent with ``st.html``
(``unsafe_allow_javascript``), which runs them in the page itself. The scripts carry only
constants and text the app wrote (JSON-escaped), never an answer or anything that depends on it.
"""

from __future__ import annotations

import json

import streamlit as st

from app.ui import keys

FOCUS_COLOR = "#1a56db"  # a blue of 5.9:1 against white: more than the 3:1 a focus ring needs
STATUS_ID = "resurface-status"
COUNTDOWN_KEY = "resurface-countdown"  # the container of a timed quiz's countdown
SCORECARD_KEY = "resurface-scorecard"  # the results page's three figures
HEADER_HEIGHT = "3.75rem"  # Streamlit's top bar, which covers the top of the page

_STYLES = f"""<style>
/* ---- resurface accessibility: focus ring, phone fixes (see the a11y module) ---- */
:root {{ --resurface-focus: {FOCUS_COLOR}; }}
.stApp :is(button, a[href], summary, [role="button"], [role="tab"], [tabindex="-1"]):focus-visible,
.stApp label:has(input[type="radio"]:focus-visible),
.stApp label:has(input[type="checkbox"]:focus-visible) {{
  outline: 3px solid var(--resurface-focus) !important;
  outline-offset: 2px !important;
  border-radius: 0.375rem;
}}
.stApp [data-baseweb="select"]:focus-within,
.stApp [data-baseweb="input"]:focus-within {{
  outline: 3px solid var(--resurface-focus);
  outline-offset: 1px;
}}
/* A question's heading takes the focus after each move: no "link to this heading" icon on it
   (a deep link to a question's words means nothing, and the icon showed with the focus). */
[class*="st-key-resurface-question-"] [data-testid="stHeaderActionElements"] {{ display: none; }}
/* A timed quiz's countdown stays in view while the page scrolls (on a phone, most of all):
   its container's wrapper is the element that spans nothing but it, inside the page's column. */
[data-testid="stLayoutWrapper"]:has(> .st-key-{COUNTDOWN_KEY}),
.stVerticalBlock > .st-key-{COUNTDOWN_KEY} {{
  position: sticky; top: {HEADER_HEIGHT}; z-index: 99;
  background: var(--resurface-page-background, #fff);
  box-shadow: 0 0.5rem 0.5rem -0.5rem rgb(0 0 0 / 0.25);
}}
/* The collapsed sidebar's button says what it opens, not only "»". */
[data-testid="stExpandSidebarButton"]::after {{
  content: "Menu"; margin-left: 0.25rem; font-weight: 600; font-size: 0.95rem;
}}
/* The results page's figures: three in a row, smaller, on a phone. */
@media (max-width: 640px) {{
  .st-key-{SCORECARD_KEY} {{ flex-wrap: nowrap !important; gap: 0.5rem !important; }}
  .st-key-{SCORECARD_KEY} [data-testid="stMetricValue"] {{ font-size: 1.25rem; }}
  .st-key-{SCORECARD_KEY} [data-testid="stMetricLabel"],
  .st-key-{SCORECARD_KEY} [data-testid="stMetricDelta"] {{ font-size: 0.75rem; }}
}}
.resurface-sr-only {{
  position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}}
</style>"""

# Make the live region once per browser tab, outside Streamlit's tree (which redraws its own
# elements and would make a screen reader miss the change), and name the menu button after
# what it shows ("Menu"), now and whenever Streamlit draws it again.
_SETUP_JS = f"""(() => {{
  if (!document.getElementById({json.dumps(STATUS_ID)})) {{
    const region = document.createElement('div');
    region.id = {json.dumps(STATUS_ID)};
    region.setAttribute('role', 'status');
    region.setAttribute('aria-live', 'polite');
    region.className = 'resurface-sr-only';
    document.body.appendChild(region);
  }}
  const menu = () => {{
    const b = document.querySelector('[data-testid="stExpandSidebarButton"]');
    if (b && b.getAttribute('aria-label') !== 'Menu') b.setAttribute('aria-label', 'Menu');
  }};
  menu();
  if (!window.__resurfaceMenuWatch) {{
    window.__resurfaceMenuWatch = new MutationObserver(menu);
    window.__resurfaceMenuWatch.observe(document.body, {{childList: true, subtree: true}});
  }}
}})();"""


def _script(code: str) -> None:
    """Run ``code`` in the page: from the sidebar, where the element takes no room."""
    st.sidebar.html(f"<script>{code}</script>", unsafe_allow_javascript=True)


def _serial() -> int:
    """A number new to this session: a script that differs from the last one runs again."""
    st.session_state[keys.A11Y_SERIAL] = st.session_state.get(keys.A11Y_SERIAL, 0) + 1
    return st.session_state[keys.A11Y_SERIAL]


def _literal(text: str) -> str:
    """A JavaScript string literal that cannot end the script element it sits in."""
    return json.dumps(text).replace("<", "\\u003c").replace(">", "\\u003e")


def styles(signed_in: bool) -> None:
    """The CSS block every page gets; signed in, also the live region and the menu's name."""
    st.html(_STYLES)
    if signed_in:
        _script(_SETUP_JS)


def focus_heading(marker: str) -> None:
    """Move the focus to the heading inside the container keyed ``marker``.

    The script runs before the rest of the run reaches the browser, so it waits (up to ten
    seconds) for the heading to appear, then makes it focusable by script only (tabindex -1: not
    a Tab stop) and focuses it. (Its id is Streamlit's, made from its words: an id set here
    would be undone by Streamlit's next drawing of it.)
    """
    selector = f".st-key-{marker} :is(h1, h2, h3, h4, h5, h6)"
    _script(f"/* {_serial()} */ " + _FOCUS_JS.replace("SELECTOR", _literal(selector)))


_FOCUS_JS = """(() => {
  const until = Date.now() + 10000;
  const go = () => {
    const h = document.querySelector(SELECTOR);
    if (!h) { if (Date.now() < until) setTimeout(go, 50); return; }
    h.setAttribute('tabindex', '-1');
    h.focus();
  };
  go();
})();"""


def said(text: str) -> None:
    """From a callback: what the live region should say once the page is drawn again."""
    st.session_state[keys.A11Y_SAID] = text


def announce() -> None:
    """Say what a callback left (``said``) in the polite live region, then forget it."""
    text = st.session_state.pop(keys.A11Y_SAID, None)
    if text:
        _script(f"/* {_serial()} */ " + _ANNOUNCE_JS.replace("TEXT", _literal(text)))


# Emptied first, then filled: the same words twice in a row are read twice.
_ANNOUNCE_JS = f"""(() => {{
  const r = document.getElementById('{STATUS_ID}');
  if (!r) return;
  r.textContent = '';
  setTimeout(() => {{ r.textContent = TEXT; }}, 100);
}})();"""
