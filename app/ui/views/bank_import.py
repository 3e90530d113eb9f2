"""Import questions: a file from Moodle (GIFT, Moodle XML, Aiken) or a spreadsheet becomes a bank
of drafts. The report is shown first, question by question; "Write the bank" writes it.

For those who may edit content (app.permissions EDIT_CONTENT, asked again when writing). The
rules are app.interop's; what a file holds is only ever shown as text.
"""

from __future__ import annotations

import streamlit as st

from app import config, contentedit
from app.accounts import User
from app.errors import ResurfaceError
from app.interop import LABELS, banks, importers, spreadsheet
from app.interop.common import MAX_IMPORT_BYTES
from app.interop.problems import Problems
from app.ui import auth, fmt, keys, nav
from app.ui.resources import engine, loaded, revalidate

GUESS = "guess"
REFUSED = (
    "Importing questions is for managers and the trainers they allow to edit content. Ask a "
    "manager if you need to."
)


def render() -> None:
    user = nav.require("import")
    st.title("Import questions")
    message = st.session_state.pop(keys.IMPORT_MESSAGE, None)
    if message:
        text, kind = message
        {"success": st.success, "error": st.error}[kind](fmt.plain(text))
    if not contentedit.may_edit(engine(), user):
        st.info(REFUSED, icon=":material/lock:")
        return
    st.markdown(
        "Bring in questions written for Moodle (GIFT, Moodle XML, Aiken) or kept in a "
        "spreadsheet. They land as a new bank of **drafts**: with no citations yet, quizzes never "
        "draw them and the validator lists each one, until someone cites the passages each "
        "question rests on and removes its draft mark. Each gets difficulty 2 (Moderate); change "
        "it as you cite. Questions we cannot represent (essay, numerical, cloze, drag-and-drop, "
        "images) are listed below with where they are in the file, not left out silently."
    )
    _templates()
    cat = loaded().catalogue
    formats = [GUESS, *importers()]
    row = st.columns(2)
    chosen = row[0].selectbox(
        "Format",
        formats,
        format_func=lambda f: "From the file name" if f == GUESS else LABELS.get(f, f),
        key=keys.IMPORT_FORMAT,
    )
    topics = list(cat.topics)
    topic = row[1].selectbox(
        "Topic of the new bank",
        topics,
        format_func=lambda t: cat.topics[t].title,
        key=keys.IMPORT_TOPIC,
    )
    row = st.columns(2)
    bank = (
        row[0]
        .text_input(
            "Bank id",
            key=keys.IMPORT_BANK,
            max_chars=50,
            placeholder="e.g. moodle-aftercare",
            help="Lowercase letters, digits and hyphens; also the file name and the questions' ids "
            "(moodle-aftercare-001, ...).",
        )
        .strip()
    )
    title = row[1].text_input("Bank title", key=keys.IMPORT_TITLE, max_chars=120).strip()
    replace = st.checkbox(
        "Replace the bank if it exists already", key=keys.IMPORT_REPLACE, value=False
    )
    generation = st.session_state.get(keys.IMPORT_UPLOADS, 0)
    upload = st.file_uploader(
        f"Question file (at most {MAX_IMPORT_BYTES // 1024 // 1024} MB)",
        type=["txt", "gift", "xml", "csv", "xlsx"],
        key=keys.import_upload(generation),
    )
    if upload is None or not bank or topic is None:
        if upload is not None:
            st.info("Give the new bank an id to see what would be imported.")
        return
    data = upload.getvalue()
    fmt_name = None if chosen == GUESS else chosen
    try:
        plan = banks.plan_import(
            config.quizzes_dir(),
            data,
            upload.name,
            bank,
            topic,
            fmt=fmt_name,
            title=title or None,
            replace=replace,
            sources_dir=config.sources_dir(),
        )
    except Problems as exc:
        _problems(upload.name, exc)
        return
    except ResurfaceError as exc:
        st.error(fmt.plain(f"{upload.name} cannot be imported: {exc}"), icon=":material/error:")
        return
    _report(plan)
    why = plan.refusal()
    if why:
        st.error(fmt.plain(f"Not ready to write: {why}"), icon=":material/error:")
        return
    st.button(
        f"Write the bank ({len(plan.imported)} drafts)",
        key=keys.IMPORT_WRITE,
        type="primary",
        icon=":material/save:",
        on_click=_write,
        args=(data, upload.name, bank, topic, fmt_name, title or None, replace),
    )


def _templates() -> None:
    """The spreadsheet template, as a workbook or as CSV: the columns the import reads and one
    example question of each kind."""
    st.caption(
        "Writing questions in a spreadsheet? Start from the template: one question a row, the "
        "columns the import reads, an example of each kind (the workbook's second sheet says "
        "what goes in each column)."
    )
    kinds = (
        ("xlsx", spreadsheet.template, spreadsheet.XLSX_MEDIA_TYPE, keys.IMPORT_TEMPLATE_XLSX),
        ("csv", spreadsheet.template_csv, spreadsheet.CSV_MEDIA_TYPE, keys.IMPORT_TEMPLATE_CSV),
    )
    for column, (suffix, make, media_type, key) in zip(st.columns(2), kinds, strict=True):
        with column:
            st.download_button(
                f"Template (.{suffix})",
                make,  # made when clicked, not on every run of the page
                file_name=f"resurface-questions-template.{suffix}",
                mime=media_type,
                key=key,
                icon=":material/download:",
                on_click="ignore",
                width="stretch",
            )


def _problems(name: str, exc: Problems) -> None:
    """A file refused for its problems: how many, then each where it is and what is wrong."""
    rows = exc.rows()
    head = "1 problem" if len(rows) == 1 else f"{len(rows)} problems"
    st.error(
        fmt.plain(
            f"{name} cannot be imported: {head}; nothing was imported. Fix each and upload "
            "it again."
        ),
        icon=":material/error:",
    )
    # A static table: each problem wraps, whole, at any width (a phone too). It reads Markdown,
    # so every cell, which may quote what the file holds, goes through fmt.plain.
    st.table(
        {
            "Where in the file": [fmt.plain(r[0]) for r in rows],
            "Problem": [fmt.plain(r[1]) for r in rows],
        },
        hide_index=True,
    )


def _report(plan: banks.Plan) -> None:
    st.markdown(fmt.plain(plan.summary()))
    rows = plan.rows()
    st.dataframe(
        {
            "Where in the file": [r.where for r in rows],
            "Outcome": [r.outcome for r in rows],
            "Detail": [r.detail for r in rows],
        },
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(rows), 600),  # every row of a usual file, without scrolling
        column_config={
            "Where in the file": st.column_config.TextColumn(width="small"),
            "Outcome": st.column_config.TextColumn(width="small"),
            "Detail": st.column_config.TextColumn(width="large"),
        },
    )
    notes = [w for w in plan.warnings if w.rule != "draft"]
    if notes:
        with st.expander(f"Item-writing notes on the drafts ({len(notes)})"):
            st.code("\n".join(str(w) for w in notes), language=None, wrap_lines=True)


@auth.callback
def _write(
    user: User,
    data: bytes,
    name: str,
    bank: str,
    topic: str,
    fmt_name: str | None,
    title: str | None,
    replace: bool,
) -> None:
    """Read the file again (the content may have changed since) and write it for ``user``."""
    try:
        plan = banks.plan_import(
            config.quizzes_dir(),
            data,
            name,
            bank,
            topic,
            fmt=fmt_name,
            title=title,
            replace=replace,
            sources_dir=config.sources_dir(),
        )
        banks.commit(engine(), user, plan)
    except ResurfaceError as exc:
        st.session_state[keys.IMPORT_MESSAGE] = (f"Nothing written: {exc}", "error")
        return
    revalidate()  # every session reads the banks as written
    st.session_state[keys.IMPORT_UPLOADS] = st.session_state.get(keys.IMPORT_UPLOADS, 0) + 1
    st.session_state[keys.IMPORT_MESSAGE] = (
        f"Written: {plan.summary()}. The drafts are in the Question bank; cite each one's "
        "passages and remove its draft mark to let quizzes draw it.",
        "success",
    )
