"""The Question bank page's Export bank: banks as GIFT, Moodle XML, Aiken or QTI, to download.

The rules (what goes where, what a format cannot hold) are app.interop's; this shows the choice,
the download and the notes.
"""

from __future__ import annotations

import streamlit as st

from app.bank import Catalogue
from app.interop import LABELS, banks, exporters
from app.interop.common import InteropError, Written
from app.ui import fmt, keys


@st.cache_resource(show_spinner=False, max_entries=8)
def _written(
    _cat: Catalogue, cat_id: int, chosen: str, picked: tuple[str, ...]
) -> tuple[Catalogue, Written]:
    """The export of these banks of this catalogue (one object per load of the banks, kept
    here with its export so that its id names no other while the entry lives): made once, not
    on every run of the page (up to 30 ms and 450 kB for every bank in Moodle XML)."""
    return _cat, banks.export(_cat, chosen, list(picked))


def render(cat: Catalogue) -> None:
    """Format and banks to export, the download, and what the format could not hold."""
    formats = exporters()
    if not formats or not cat.banks:
        st.caption("Nothing to export.")
        return
    chosen = st.selectbox(
        "Format", formats, format_func=lambda f: LABELS.get(f, f), key=keys.BANK_EXPORT_FORMAT
    )
    picked = st.multiselect(
        "Banks (none: all)",
        list(cat.banks),
        format_func=lambda b: cat.banks[b].title,
        key=keys.BANK_EXPORT_BANKS,
    )
    st.caption(
        "Explanations and citations go into each question's general feedback; drafts and "
        "retired questions stay here."
    )
    try:
        _, written = _written(cat, id(cat), chosen, tuple(picked))
    except InteropError as exc:
        st.warning(fmt.plain(str(exc)))
        return
    name = "-".join(picked) if picked else "all-banks"
    st.download_button(
        "Download",
        written.data,
        file_name=f"resurface-{name}{written.suffix}",
        mime=written.media_type,
        key=keys.BANK_EXPORT,
        type="primary",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
    )
    if written.left_out:
        with st.expander(
            f"What {LABELS.get(chosen, chosen)} cannot hold ({len(written.left_out)})"
        ):
            st.code(
                "\n".join(f"{s.where}: {s.reason}" for s in written.left_out),
                language=None,
                wrap_lines=True,
            )
