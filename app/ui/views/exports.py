"""Managers: download attempts, responses or certifications as Excel workbooks or CSV files."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import streamlit as st

from app import accounts, clock, exports, prepared, present
from app.accounts import Forbidden
from app.exports import spool
from app.ui import fmt, keys, nav
from app.ui.resources import catalogue, engine

ALL = "__all__"
KINDS = {
    "attempts": "Attempts: one row per attempt",
    "responses": "Responses: one row per question answered",
    "certifications": "Certifications: one row per trainee per certification",
}
FORMATS: dict[exports.Format, str] = {
    "xlsx": "Excel workbook (.xlsx)",
    "csv": "CSV (opens in any program)",
}
DEFAULT_FORMAT: exports.Format = "csv"  # as for `resurface export`


def _utc_day(d: date) -> datetime:
    return datetime.combine(d, datetime.min.time(), tzinfo=UTC)


def render() -> None:
    user = nav.require("exports")
    st.title("Exports")
    st.caption(
        "An Excel workbook opens in Excel with numbers as numbers and names exactly as typed "
        f"(up to {exports.XLSX_MAX_ROWS:,} rows). A CSV file opens in any spreadsheet program. "
        "Either way, nothing in a cell can run as a formula. Every export is recorded in the "
        "audit log."
    )
    kind = st.radio("What to export", list(KINDS), format_func=KINDS.get, key=keys.EXPORT_KIND)
    filters = _filters(user, kind)
    chosen = st.radio(
        "File format",
        list(FORMATS),
        index=list(FORMATS).index(DEFAULT_FORMAT),
        format_func=FORMATS.get,
        horizontal=True,
        key=keys.EXPORT_FORMAT,
    )
    bom = chosen == "csv" and st.toggle(
        "Opens correctly in Excel (accented letters such as é show right)",
        value=True,
        key=keys.EXPORT_BOM,
        help="Turn off only if the file goes to a program other than a spreadsheet and that "
        "program shows odd characters at the start of the file.",
    )
    asked = (kind, filters, chosen, bom)
    ready = st.session_state.get(keys.EXPORT_READY)
    if st.button(
        "Prepare file", type="primary", icon=":material/table_view:", key=keys.EXPORT_PREPARE
    ):
        ready = _prepare(user, kind, filters, chosen, bom)
    if ready is not None and ready[0] != asked:
        st.info("The settings changed since the last file was prepared: prepare it again.")
    elif ready is not None and prepared.find(engine(), ready[1]) is None:
        st.info("The prepared file was cleared from the server: prepare it again.")
    elif ready is not None:
        _, token, rows, name, size = ready
        st.success(f"{rows:,} rows ready ({present.size(size)}).")
        # A link to the file in the database (app.prepared), not Streamlit's download button:
        # that one's file lives in this server's memory, so with several servers behind nginx a
        # browser moved to another (its server restarted) would find nothing.
        st.link_button(
            f"Download {fmt.plain(name)}",
            f"/download/{token}",
            icon=":material/download:",
            type="primary",
        )
    with st.expander("What the columns mean", expanded=ready is None):
        # A list, not a table: a meaning wraps on a phone rather than running off the side.
        st.markdown(
            "\n".join(
                f"- `{column}`: {fmt.plain(meaning)}"
                for column, meaning in exports.MEANING[kind].items()
            )
        )


def _filters(user: accounts.User, kind: str) -> exports.ExportFilters:
    cat = catalogue()
    certifying = kind == "certifications"
    quizzes = {q.id: q.title for q in cat.quizzes.values() if q.certifies or not certifying}
    cohorts = sorted(
        {u.cohort for u in accounts.list_users(engine(), user, role="trainee") if u.cohort}
    )
    left, right = st.columns(2)
    cohort = left.selectbox(
        "Cohort",
        [ALL, *cohorts],
        format_func=lambda c: "All cohorts" if c == ALL else c,
        key=keys.EXPORT_COHORT,
    )
    quiz = right.selectbox(
        "Certification" if certifying else "Quiz",
        [ALL, *quizzes],
        format_func=lambda q: quizzes.get(q, "All certifications" if certifying else "All quizzes"),
        key=keys.export_quiz(kind),
    )
    left, right = st.columns(2)
    since = None
    if certifying:
        until = right.date_input(
            "Status as of (end of day, UTC)",
            value=None,
            key=keys.EXPORT_TO,
            format="DD/MM/YYYY",
            help="Leave empty for now. Only passes before then count.",
        )
    else:
        since = left.date_input(
            "Started from (UTC)", value=None, key=keys.EXPORT_FROM, format="DD/MM/YYYY"
        )
        until = right.date_input(
            "Started up to and including (UTC)", value=None, key=keys.EXPORT_TO, format="DD/MM/YYYY"
        )
    return exports.ExportFilters(
        since=_utc_day(since) if since else None,
        until=_utc_day(until + timedelta(days=1)) if until else None,
        cohort=None if cohort == ALL else cohort,
        quiz_id=None if quiz == ALL else quiz,
    )


def _prepare(
    user: accounts.User,
    kind: str,
    filters: exports.ExportFilters,
    chosen: exports.Format,
    bom: bool,
):
    """Build the file (xlsx or CSV) on disk with a progress bar, then keep it in the database
    for the download link (app.prepared), in place of this session's previous file.

    Returns None if refused.
    """
    earlier = st.session_state.pop(keys.EXPORT_READY, None)
    if earlier is not None:
        prepared.discard(engine(), earlier[1])
    spool.sweep()
    bar = st.progress(0.0, text="Preparing…")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 1.0, text=f"Preparing… {done:,} of {total:,}")

    now = clock.now()
    out = None
    try:
        out = spool.Spooled(suffix=f".{chosen}")
        rows = exports.write(
            engine(),
            user,
            kind,
            out.file,
            filters,
            catalogue=catalogue(),
            fmt=chosen,
            bom=bom,
            now=now,
            progress=progress,
        )
    except (exports.ExportError, Forbidden) as exc:
        assert out is not None  # only exports.write raises these, after out is made
        out.discard()
        bar.empty()
        message = str(exc)
        st.error(fmt.plain(message[:1].upper() + message[1:]))
        return None
    except OSError as exc:  # the server's disk: full, or its temporary folder gone
        if out is not None:
            out.discard()
        bar.empty()
        where = f" ({exc.filename})" if exc.filename else ""
        st.error(
            f"The file could not be written on the server{where}: {exc.strerror or exc}. "
            "Nothing was exported; try again, or ask whoever runs the server to check its disk."
        )
        return None
    out.close()
    name = exports.filename(kind, filters, now, fmt=chosen)
    try:
        with out.path.open("rb") as source:
            token = prepared.keep(
                engine(),
                user,
                source,
                name,
                exports.MIME[chosen],
                now=now,
            )
    except Forbidden as exc:
        bar.empty()
        st.error(fmt.plain(str(exc)))
        return None
    finally:
        size = out.size
        out.discard()
    bar.empty()
    ready = ((kind, filters, chosen, bom), token, rows, name, size)
    st.session_state[keys.EXPORT_READY] = ready
    return ready
