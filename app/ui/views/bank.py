"""Trainers and managers: browse the question bank, check its coverage and its problems.

Every question shows as a trainee sees it once answered, with its explanation, its citations
and its item statistics in each quiz that can draw it. The rules live in app.banktables.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from app import banktables, reports
from app.accounts import User, report_scope
from app.bank import Catalogue, Entry
from app.bank.text import plural
from app.banktables import DIFFICULTY_LABELS, QuestionFilters
from app.engine import assemble_from
from app.present import TYPE_LABELS
from app.ui import auth, fmt, keys, nav, questions, reporting
from app.ui.resources import Loaded, engine, loaded, revalidate
from app.ui.views import bank_editor, bank_export

STATS_SECONDS = 120  # how long this session reuses a quiz's item analysis before reading again
STEM_CHARS = 70


def render() -> None:
    user = nav.require("bank")
    st.title("Question bank")
    state = loaded()
    cat = state.catalogue
    _status(state)
    frame = banktables.questions_frame(cat)
    bank_editor.messages()
    browse, coverage, problems = st.tabs(["Browse", "Coverage", "Problems"])
    with browse:
        _browse(user, cat, frame)
    with coverage:
        _coverage(cat, frame)
    with problems:
        _problems(cat)


# --- validation ----------------------------------------------------------------------------


@auth.callback
def _revalidate(_user: User) -> None:
    state = revalidate()
    st.session_state[keys.BANK_VALIDATED] = state


def _status(state: Loaded) -> None:
    cat = state.catalogue
    row = st.columns([3, 1, 1], vertical_alignment="center")
    row[0].caption(f"{banktables.summary(cat)} · checked {fmt.when(state.at)}")
    with row[2].popover("Export bank", icon=":material/ios_share:", width="stretch"):
        bank_export.render(cat)
    row[1].button(
        "Re-validate now",
        key=keys.BANK_REVALIDATE,
        icon=":material/refresh:",
        on_click=_revalidate,
        help="Load and check every content file again (edited files also reload by themselves).",
        width="stretch",
    )
    # Always there, filled or not: an element appearing above the tabs would reopen the first tab.
    notice = st.container()
    done = st.session_state.pop(keys.BANK_VALIDATED, None)
    if done is not None:
        text = f"Checked {plural(done.files, 'file')} in {done.seconds:.2f} s: "
        kind = notice.warning if done.catalogue.problems else notice.success
        kind(text + banktables.summary(done.catalogue) + ".", icon=":material/fact_check:")
    elif cat.problems:
        notice.warning(
            f"{plural(len(cat.problems), 'problem')} in the content files: what they concern is "
            "left out until fixed. See the Problems tab.",
            icon=":material/warning:",
        )


def _problems(cat: Catalogue) -> None:
    if not cat.problems:
        st.success("No problems: every content file is valid.", icon=":material/check_circle:")
    else:
        _listed(cat)
    st.markdown("##### Item-writing warnings")
    if not cat.warnings:
        st.caption(":material/check: None: `resurface validate --strict` passes.")
        return
    st.markdown(
        f"**{plural(len(cat.warnings), 'warning')}**: flaws a test-wise trainee can exploit. The "
        "questions still load; `resurface validate --strict` fails until they are fixed."
    )
    st.markdown("\n".join(f"- {_code(str(w))}" for w in cat.warnings))


def _listed(cat: Catalogue) -> None:
    files = len({p.file for p in cat.problems})
    st.markdown(
        f"**{plural(len(cat.problems), 'problem')}** in {plural(files, 'file')}. A file that "
        "cannot be read is left out whole; a question or quiz with a problem is left out on its "
        "own. Everything else works as usual."
    )
    # As code, one item each: a message is never read as Markdown, and wraps on a phone.
    st.markdown("\n".join(f"- {_code(str(p))}" for p in cat.problems))
    with st.expander("As plain text, to copy"):
        st.code("\n".join(str(p) for p in cat.problems), language=None)
    st.caption("After editing the files, press **Re-validate now** at the top of the page.")


def _code(text: str) -> str:
    """Inline code that survives a backtick in the text."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


# --- browsing ------------------------------------------------------------------------------


def _filters() -> QuestionFilters:
    get = st.session_state.get
    return QuestionFilters(
        text=get(keys.BANK_SEARCH) or "",
        topics=tuple(get(keys.BANK_TOPICS) or ()),
        types=tuple(get(keys.BANK_TYPES) or ()),
        difficulties=tuple(get(keys.BANK_DIFFICULTY) or ()),
        docs=tuple(get(keys.BANK_DOCS) or ()),
    )


@auth.callback
def _clear_filters(_user: User) -> None:
    for key in keys.BANK_FILTERS:
        st.session_state[key] = "" if key == keys.BANK_SEARCH else []


def _filter_widgets(cat: Catalogue) -> None:
    st.text_input(
        "Search",
        key=keys.BANK_SEARCH,
        placeholder='Words, or a "quoted phrase"',
        help="Finds questions with every word in their id, stem, options, explanation, tags or "
        "case, in any case.",
        icon=":material/search:",
    )
    left, right = st.columns(2)
    left.multiselect(
        "Topic",
        list(cat.topics),
        format_func=lambda t: banktables.topic_title(cat, t),
        key=keys.BANK_TOPICS,
        placeholder="All topics",
    )
    right.multiselect(
        "Cites",
        banktables.doc_choices(cat),
        format_func=lambda d: cat.sources[d].title if d in cat.sources else d,
        key=keys.BANK_DOCS,
        placeholder="Any source document",
    )
    left, right = st.columns([3, 1])
    left.pills(
        "Type",
        list(TYPE_LABELS),
        selection_mode="multi",
        format_func=TYPE_LABELS.__getitem__,
        key=keys.BANK_TYPES,
        wrap=True,
    )
    right.pills(
        "Difficulty",
        list(DIFFICULTY_LABELS),
        selection_mode="multi",
        key=keys.BANK_DIFFICULTY,
        help=", ".join(DIFFICULTY_LABELS.values()),
        wrap=True,
    )


def _browse(user: User, cat: Catalogue, frame: pd.DataFrame) -> None:
    _filter_widgets(cat)
    filters = _filters()
    shown = banktables.filter_questions(frame, filters)
    line = st.columns([3, 1], vertical_alignment="center")
    line[0].markdown(f"**{len(shown)}** of {plural(len(frame), 'question')}")
    if filters.active:
        line[1].button(
            "Clear filters", key=keys.BANK_CLEAR, on_click=_clear_filters, width="stretch"
        )
    if shown.empty:
        st.info("No question matches these filters.", icon=":material/filter_alt_off:")
        return
    qids = list(shown["qid"])
    qid = _current(qids)
    _table(shown, qids, qid)
    _picker(cat, qids, qid)
    opened = bank_editor.editing() if bank_editor.may_edit(user) else None
    if opened is not None:
        bank_editor.editor(user, cat, opened)
    else:
        _preview(user, cat, cat.entries[qid])


def _current(qids: list[str]) -> str:
    """The previewed question: a deep link (``?q=``) first, then this session's, else the first.

    Callbacks keep ``?q=`` equal to the preview, so a different one means a link was opened.
    """
    linked = st.query_params.get("q")
    held = st.session_state.get(keys.BANK_PREVIEW)
    if linked and linked != held and linked in qids:
        held = linked
    qid = held if held in qids else qids[0]
    _show(qid)
    return qid


def _show(qid: str) -> None:
    st.session_state[keys.BANK_PREVIEW] = qid
    st.query_params["q"] = qid


@auth.callback
def _step(_user: User, qid: str) -> None:
    _show(qid)


def _table(shown: pd.DataFrame, qids: list[str], qid: str) -> None:
    # The stem second, where a phone still shows its start; the rest scrolls sideways.
    table = pd.DataFrame(
        {
            "ID": shown["qid"],
            "Stem": shown["stem"],
            "Topic": shown["topic_title"],
            "Type": shown["type"].map(TYPE_LABELS),
            "Difficulty": shown["difficulty"],
            "Case": shown["case"].fillna(""),
            "Secure": shown["secure"].map({True: "exam only", False: ""}),
            "Warnings": shown["warnings"],
        }
    )

    @auth.callback
    def picked(_user: User) -> None:
        rows = st.session_state[keys.BANK_TABLE]["selection"]["rows"]
        if rows:
            _show(qids[rows[0]])

    # The highlighted row follows the preview, however it was chosen.
    st.session_state[keys.BANK_TABLE] = {
        "selection": {"rows": [qids.index(qid)], "columns": [], "cells": []}
    }
    st.dataframe(
        table,
        key=keys.BANK_TABLE,
        on_select=picked,
        selection_mode="single-row",
        hide_index=True,
        width="stretch",
        height=min(36 + 35 * len(table), 320),
        column_config={
            "ID": st.column_config.TextColumn(width="medium"),
            "Difficulty": st.column_config.NumberColumn(width="small"),
            "Warnings": st.column_config.NumberColumn(
                width="small", help="Item-writing warnings (see the question below)"
            ),
            "Stem": st.column_config.TextColumn(width="large"),
        },
    )


def _picker(cat: Catalogue, qids: list[str], qid: str) -> None:
    def label(q: str) -> str:
        stem = cat.entries[q].question.stem
        short = stem if len(stem) <= STEM_CHARS else stem[: STEM_CHARS - 1].rstrip() + "…"
        return f"{q} · {short}"

    @auth.callback
    def chosen(_user: User) -> None:
        _show(st.session_state[keys.BANK_PICK])

    at = qids.index(qid)
    st.session_state[keys.BANK_PICK] = qid
    st.selectbox(
        f"Question {at + 1} of {len(qids)}",
        qids,
        format_func=label,
        key=keys.BANK_PICK,
        on_change=chosen,
    )
    steps = st.container(horizontal=True, gap="small")
    steps.button(
        "Previous",
        key=keys.BANK_PREV,
        icon=":material/arrow_back:",
        disabled=at == 0,
        on_click=_step,
        args=(qids[max(at - 1, 0)],),
        width="stretch",
    )
    steps.button(
        "Next",
        key=keys.BANK_NEXT,
        icon=":material/arrow_forward:",
        disabled=at == len(qids) - 1,
        on_click=_step,
        args=(qids[min(at + 1, len(qids) - 1)],),
        width="stretch",
    )


# --- one question --------------------------------------------------------------------------


def _preview(user: User, cat: Catalogue, entry: Entry) -> None:
    q = entry.question
    [presented] = assemble_from([q.id], cat, 0, shuffle_questions=False, shuffle_options=False)
    snap = presented.snapshot
    badges = [
        f":blue-badge[{banktables.topic_title(cat, entry.topic)}]",
        f":violet-badge[{TYPE_LABELS[q.type]}]",
        f":orange-badge[Difficulty {DIFFICULTY_LABELS[q.difficulty]}]",
    ]
    if entry.case:
        badges.append(f":gray-badge[Case: {fmt.plain(entry.case.title)}]")
    if q.exam_only:
        badges.append(":red-badge[:material/lock: Secure: certification exam only]")
    if q.variant:
        badges.append(f":gray-badge[Variant group {q.variant}]")
    if q.retired:
        badges.append(":gray-badge[:material/archive: Retired: never drawn]")
    if q.draft:
        badges.append(":orange-badge[:material/edit_note: Draft: not drawn until cited]")
    st.markdown(" ".join(badges))
    bank = cat.banks.get(entry.bank)
    about = [f"`{entry.file}:{entry.line}`", f"bank {bank.title if bank else entry.bank}"]
    if q.tags:
        about.append("tags " + ", ".join(f"`{t}`" for t in q.tags))
    st.caption(" · ".join(about))
    bank_editor.actions(user, cat, entry)
    with st.container(border=True):
        st.caption(":material/visibility: As a trainee sees it once answered")
        questions.vignette(snap)
        st.markdown(f"#### {snap.stem}")
        questions.with_key(presented)
        st.markdown(snap.explanation)
        questions.citations(snap, cat)
    notes = [(o.text, o.feedback) for o in snap.options if o.feedback]
    if notes:
        st.markdown("**Option feedback** (written in the bank; trainees do not see it)")
        st.markdown("\n".join(f"- **{text}** {note}" for text, note in notes))
    reporting.queue_link(user, q.id)
    _writing(cat, q.id)
    bank_editor.history(user, q.id)
    _stats(user, cat, q.id)


def _writing(cat: Catalogue, qid: str) -> None:
    found = banktables.warnings_of(cat).get(qid, [])
    st.markdown("##### Item writing")
    if not found:
        st.caption(
            ":material/check: No item-writing warnings (key length, hedging, negative or "
            "unfocused stem, trivia, near-duplicates)."
        )
        return
    lines = [
        f"- :material/flag: **{w.rule}** ({_code(w.field or 'question')}): {fmt.plain(w.message)}"
        for w in found
    ]
    st.markdown("\n".join(lines))
    st.caption(
        "`resurface validate --strict` fails until these are fixed; docs/authoring.md lists the "
        "rules."
    )


def _items(user: User, cat: Catalogue, quiz_id: str) -> pd.DataFrame:
    """A quiz's item statistics, reused by this session for STATS_SECONDS (it reads every
    submitted attempt at the quiz, so stepping through questions must not repeat it)."""
    cache: dict[str, tuple[float, pd.DataFrame]] = st.session_state.setdefault(keys.BANK_STATS, {})
    found = cache.get(quiz_id)
    if found is None or time.monotonic() - found[0] > STATS_SECONDS:
        items = reports.item_analysis(engine(), user, quiz_id, cat).items
        found = cache[quiz_id] = (time.monotonic(), items)
    return found[1]


def _stats(user: User, cat: Catalogue, qid: str) -> None:
    st.markdown("##### In quizzes")
    quizzes = banktables.drawn_by(cat)[qid]
    if not quizzes:
        st.warning("No quiz can draw this question, so trainees do not meet it.")
        return
    with st.spinner("Reading item statistics…"):
        items = {quiz: _items(user, cat, quiz) for quiz in quizzes}
    stats = banktables.question_stats(qid, items, {k: v.title for k, v in cat.quizzes.items()})
    if not stats["responses"].any():
        st.info(
            "No trainee has answered this question yet. Quizzes that can draw it: "
            + ", ".join(stats["title"])
            + ".",
            icon=":material/hourglass_empty:",
        )
        return
    shown = pd.DataFrame(
        {
            "Quiz": stats["title"],
            "Responses": stats["responses"],
            "Facility": stats["facility"].map(_number),
            "Discrimination": stats["discrimination"].map(_number),
            "Provisional": stats["provisional"],
        }
    ).set_index("Quiz")
    right = st.column_config.TextColumn(alignment="right")
    st.dataframe(shown, width="stretch", column_config={"Facility": right, "Discrimination": right})
    for title, flags in zip(stats["title"], stats["flags"], strict=True):
        if flags:
            st.markdown(f":material/flag: **{title}**: {flags}")
    cohort = report_scope(user)  # what the statistics above were read from
    scope = f"trainee of cohort {cohort}" if cohort else "trainee"
    st.caption(
        f"From the first attempt of each {scope} at each quiz that can draw this question. "
        "Facility: share of the marks scored. Discrimination: correlation with the rest of the "
        "attempt. Provisional: fewer than 30 responses. Options named in flags are lettered A, "
        "B, C… in the order shown above."
    )


def _number(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.2f}"


# --- coverage ------------------------------------------------------------------------------


def _coverage(cat: Catalogue, frame: pd.DataFrame) -> None:
    if frame.empty:
        st.info("No valid questions to count.")
        return
    st.markdown("##### Questions per topic and type")
    st.dataframe(banktables.coverage_by(cat, frame, "type"), width="stretch")
    st.markdown("##### Questions per topic and difficulty")
    st.dataframe(banktables.coverage_by(cat, frame, "difficulty"), width="stretch")

    st.markdown("##### Source documents")
    docs = banktables.coverage_by_source(cat, frame)
    docs.columns = ["ID", "Document", "Questions citing", "Quotes", "Topics"]
    st.dataframe(docs.set_index("Document"), width="stretch")
    unused = banktables.uncited(cat)
    if unused:
        names = ", ".join(f"{cat.sources[d].title} (`{d}`)" for d in unused)
        st.warning(f"Cited by no question: {names}.", icon=":material/menu_book:")
    else:
        st.caption("Every source document is cited by at least one question.")

    st.markdown("##### Quizzes")
    pools = banktables.quiz_pools(cat).drop(columns="quiz")
    pools.columns = ["Quiz", "Mode", "Asks", "Can draw from"]
    st.dataframe(pools.set_index("Quiz"), width="stretch")
    orphans = banktables.never_drawn(cat)
    if orphans:
        st.warning(
            f"{plural(len(orphans), 'question')} no quiz can draw: {', '.join(orphans)}.",
            icon=":material/block:",
        )
    else:
        st.caption("Every question can be drawn by at least one quiz.")
