"""The question editor on the Question bank page: edit, create, retire; live checks; history.

The page reads the form, asks ``app.contentedit`` to check the change against the whole
catalogue on every change of the form (nothing written), and shows what the validator says
about this question and each citation inside its source document. Saving goes through the
same function with the file's digest from when the editor opened, then reloads the banks for
everyone.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from app import config, contentedit
from app.accounts import User
from app.bank import Catalogue, Entry
from app.bank.editing import EditError, Opened, Proposal, bank_files
from app.bank.schema import QUESTION_TYPES
from app.bank.text import SourceIndex, passage
from app.banktables import DIFFICULTY_LABELS, topic_title
from app.errors import ResurfaceError
from app.present import TYPE_LABELS
from app.ui import auth, fmt, keys
from app.ui.resources import catalogue, engine, revalidate, sources

CONTEXT = 300  # characters of the document shown either side of a cited passage
PARTS = {
    "options": ("text", "correct", "feedback"),
    "pairs": ("left", "right"),
    "sources": ("doc", "quote"),
}


def may_edit(user: User) -> bool:
    return contentedit.may_edit(engine(), user)


def editing() -> Opened | None:
    return st.session_state.get(keys.BANK_EDITING)


def _say(text: str, kind: str = "success") -> None:
    st.session_state[keys.BANK_EDIT_MESSAGE] = (text, kind)


def messages() -> None:
    said = st.session_state.pop(keys.BANK_EDIT_MESSAGE, None)
    if said:
        text, kind = said
        getattr(st, kind)(fmt.plain(text), icon=":material/edit_note:")


# --- opening ------------------------------------------------------------------------------------


def _seed(opened: Opened) -> None:
    """Put the question's fields into the form's keys."""
    f = opened.fields
    state = st.session_state
    state[keys.edit_field("id")] = f.get("id") or ""
    state[keys.edit_field("bank")] = opened.bank
    state[keys.edit_field("difficulty")] = f.get("difficulty", 1)
    state[keys.edit_field("exam_only")] = bool(f.get("exam_only"))
    state[keys.edit_field("draft")] = bool(f.get("draft"))
    state[keys.edit_field("variant")] = f.get("variant") or ""
    state[keys.edit_field("tags")] = ", ".join(f.get("tags") or [])
    state[keys.edit_field("stem")] = f.get("stem") or ""
    state[keys.edit_field("explanation")] = f.get("explanation") or ""
    state[keys.edit_field("answer")] = bool(f.get("answer", True))
    counts = {}
    for kind, parts in PARTS.items():
        items = list(f.get(kind) or [])
        counts[kind] = len(items)
        for i, item in enumerate(items):
            for part in parts:
                value = item.get(part)
                state[keys.edit_part(kind, i, part)] = _blank(part, value)
    state[keys.BANK_EDIT_COUNTS] = counts
    state[keys.BANK_EDIT_CONFIRM] = False
    state[keys.BANK_EDITING] = opened


@auth.callback
def _open(user: User, qid: str) -> None:
    try:
        _seed(contentedit.open_question(engine(), user, config.quizzes_dir(), qid))
    except ResurfaceError as exc:
        _say(f"Cannot edit {qid}: {exc}", "error")


@auth.callback
def _new(user: User) -> None:
    bank = str(st.session_state.get(keys.BANK_NEW_BANK) or "")
    kind = st.session_state.get(keys.BANK_NEW_TYPE) or "single"
    try:
        _seed(contentedit.new_question(engine(), user, config.quizzes_dir(), bank, kind))
    except ResurfaceError as exc:
        _say(f"Cannot start a new question: {exc}", "error")


@auth.callback
def _cancel(_user: User) -> None:
    st.session_state.pop(keys.BANK_EDITING, None)


@auth.callback
def _more(_user: User, kind: str, step: int) -> None:
    counts = st.session_state[keys.BANK_EDIT_COUNTS]
    n = max(counts.get(kind, 0) + step, 0)
    if step > 0:
        for part in PARTS[kind]:
            st.session_state[keys.edit_part(kind, n - 1, part)] = _blank(part, None)
    counts[kind] = n


def _blank(part: str, value: Any) -> Any:
    """A form value: a box ticked or not, a document chosen or None, else text."""
    if part == "correct":
        return bool(value)
    if part == "doc":
        return value or None
    return value or ""


def _draft(opened: Opened) -> tuple[dict[str, Any], str]:
    """The question as the form has it, and the bank it should be in."""
    get = st.session_state.get
    fields = dict(opened.fields)
    fields |= {
        "id": opened.qid or (get(keys.edit_field("id")) or ""),
        "difficulty": get(keys.edit_field("difficulty")),
        "exam_only": bool(get(keys.edit_field("exam_only"))),
        "draft": bool(get(keys.edit_field("draft"))),
        "variant": get(keys.edit_field("variant")) or None,
        "stem": get(keys.edit_field("stem")) or "",
        "explanation": get(keys.edit_field("explanation")) or "",
        "tags": [t.strip() for t in (get(keys.edit_field("tags")) or "").split(",") if t.strip()],
    }
    counts = get(keys.BANK_EDIT_COUNTS) or {}
    kind = fields.get("type")
    if kind == "true_false":
        fields["answer"] = bool(get(keys.edit_field("answer")))
    for part_kind, parts in PARTS.items():
        if part_kind == "options" and kind not in ("single", "multiple"):
            continue
        if part_kind == "pairs" and kind != "matching":
            continue
        items = []
        for i in range(counts.get(part_kind, 0)):
            item = {p: get(keys.edit_part(part_kind, i, p)) for p in parts}
            if part_kind == "options":
                item["correct"] = bool(item["correct"])
            items.append({k: v for k, v in item.items() if v is not None})
        fields[part_kind] = items
    return fields, get(keys.edit_field("bank")) or opened.bank


# --- saving -------------------------------------------------------------------------------------


@auth.callback
def _save(user: User) -> None:
    opened = editing()
    if opened is None:
        return
    fields, bank = _draft(opened)
    try:
        saved = contentedit.save(
            engine(),
            user,
            config.quizzes_dir(),
            opened,
            fields,
            bank,
            index=sources(),
            baseline=catalogue(),
            confirm_warnings=bool(st.session_state.get(keys.BANK_EDIT_CONFIRM)),
        )
    except ResurfaceError as exc:
        _say(f"Not saved: {exc}. What you typed is still in the form.", "error")
        return
    revalidate()  # every session reads the banks as saved
    st.session_state.pop(keys.BANK_EDITING, None)
    st.session_state[keys.BANK_PREVIEW] = saved.qid
    st.query_params["q"] = saved.qid
    _say(f"Saved {saved.qid} to {', '.join(saved.files)}; the banks were reloaded for everyone.")


@auth.callback
def _retire(user: User, qid: str, retired: bool) -> None:
    st.session_state.pop(keys.BANK_RETIRE_CONFIRM, None)
    try:
        contentedit.retire(
            engine(),
            user,
            config.quizzes_dir(),
            qid,
            retired,
            index=sources(),
            baseline=catalogue(),
            confirm_warnings=True,
        )
    except ResurfaceError as exc:
        _say(f"{qid} was not {'retired' if retired else 'brought back'}: {exc}", "error")
        return
    revalidate()
    if retired:
        _say(f"Retired {qid}: no quiz draws it any more; old attempts keep their copy.")
    else:
        _say(f"{qid} is back: quizzes may draw it again.")


# --- the page parts -----------------------------------------------------------------------------


def actions(user: User, cat: Catalogue, entry: Entry) -> None:
    """Edit, Retire and New question, under a question's preview, for those who may."""
    if not may_edit(user):
        return
    q = entry.question
    row = st.container(horizontal=True, gap="small")
    row.button(
        "Edit",
        key=keys.BANK_EDIT_OPEN,
        icon=":material/edit:",
        type="primary",
        on_click=_open,
        args=(q.id,),
    )
    if st.session_state.get(keys.BANK_RETIRE_CONFIRM) == q.id:
        st.warning(
            fmt.plain(
                f"Retire {q.id}? No quiz will draw it again; attempts that asked it keep their "
                "copy, and it stays in its file marked retired: true."
            )
        )
        yes, no = st.columns(2)
        yes.button(
            "Yes, retire",
            key=keys.BANK_RETIRE_YES,
            type="primary",
            on_click=_retire,
            args=(q.id, True),
            width="stretch",
        )
        no.button(
            "Cancel",
            key=keys.BANK_RETIRE_NO,
            on_click=st.session_state.pop,
            args=(keys.BANK_RETIRE_CONFIRM, None),
            width="stretch",
        )
    elif q.retired:
        row.button(
            "Bring back",
            key=keys.BANK_RETIRE,
            icon=":material/unarchive:",
            on_click=_retire,
            args=(q.id, False),
        )
    else:
        row.button(
            "Retire…",
            key=keys.BANK_RETIRE,
            icon=":material/archive:",
            on_click=st.session_state.__setitem__,
            args=(keys.BANK_RETIRE_CONFIRM, q.id),
        )
    with st.expander("New question", icon=":material/add:"):
        left, right = st.columns(2)
        banks = list(cat.banks)
        left.selectbox(
            "Bank",
            banks,
            index=banks.index(entry.bank) if entry.bank in banks else 0,
            format_func=lambda b: _bank_label(cat, b),
            key=keys.BANK_NEW_BANK,
        )
        right.selectbox(
            "Type",
            list(QUESTION_TYPES),
            format_func=TYPE_LABELS.__getitem__,
            key=keys.BANK_NEW_TYPE,
        )
        st.button("Start a new question", key=keys.BANK_NEW, icon=":material/add:", on_click=_new)


def _bank_label(cat: Catalogue, bank: str) -> str:
    header = cat.banks.get(bank)
    if header is None:
        return bank
    return f"{header.title} (topic: {topic_title(cat, header.topic)})"


def editor(user: User, cat: Catalogue, opened: Opened) -> None:
    """The form, the live checks and the citations in their documents."""
    title = f"Editing {opened.qid}" if opened.qid else "New question"
    st.subheader(title)
    st.caption(
        f"In `{opened.file}`. Saving writes that file (comments and layout kept) if nobody "
        "changed it meanwhile, and only if `resurface validate` would accept the result."
    )
    kind = str(opened.fields.get("type"))
    if opened.qid is None:
        st.text_input(
            "ID",
            key=keys.edit_field("id"),
            placeholder="aftercare-sun-002",
            help="Lowercase letters, digits and hyphens; unique across the banks.",
        )
    banks = [b for b in bank_files(config.quizzes_dir()) if b in cat.banks] or [opened.bank]
    top = st.columns([2, 1])
    top[0].selectbox(
        "Bank (its topic)",
        banks,
        format_func=lambda b: _bank_label(cat, b),
        key=keys.edit_field("bank"),
        disabled=opened.qid is None or bool(opened.fields.get("case")),
        help="A question's topic is its bank's: another bank moves it to that file.",
    )
    top[1].selectbox(
        "Difficulty",
        list(DIFFICULTY_LABELS),
        format_func=DIFFICULTY_LABELS.__getitem__,
        key=keys.edit_field("difficulty"),
    )
    st.caption(f"Type: {TYPE_LABELS.get(kind, kind)}")
    st.text_area("Stem", key=keys.edit_field("stem"), height=90)
    if kind in ("single", "multiple"):
        _items("options", "Option", kind)
    elif kind == "true_false":
        st.radio(
            "Answer",
            [True, False],
            format_func=lambda b: "True" if b else "False",
            key=keys.edit_field("answer"),
            horizontal=True,
        )
    elif kind == "matching":
        _items("pairs", "Pair", kind)
    st.text_area("Explanation", key=keys.edit_field("explanation"), height=110)
    _items("sources", "Citation", kind, cat)
    left, right = st.columns(2)
    left.text_input("Tags (comma-separated)", key=keys.edit_field("tags"))
    right.text_input(
        "Variant group",
        key=keys.edit_field("variant"),
        help="Questions of one variant group never sit in one attempt.",
    )
    st.checkbox("Secure: certification exam only", key=keys.edit_field("exam_only"))
    if opened.fields.get("draft"):  # an imported question (app.interop): cite it, then untick
        st.checkbox(
            "Draft: not drawn until cited",
            key=keys.edit_field("draft"),
            help="Imported without citations. Cite the passages it rests on, then untick this "
            "so quizzes may draw it.",
        )

    fields, bank = _draft(opened)
    proposal = _checked(user, cat, opened, fields, bank)
    st.checkbox(
        "Save even with new item-writing warnings (`resurface validate --strict` will fail)",
        key=keys.BANK_EDIT_CONFIRM,
    )
    row = st.container(horizontal=True, gap="small")
    row.button(
        "Save",
        key=keys.BANK_EDIT_SAVE,
        type="primary",
        icon=":material/save:",
        on_click=_save,
        disabled=proposal is None or bool(proposal.problems),
    )
    row.button("Cancel", key=keys.BANK_EDIT_CANCEL, on_click=_cancel)
    if proposal is not None:
        _citations(cat, fields)
        diff = proposal.diff()
        if diff:
            with st.expander("What will change in the file"):
                st.code(diff, language="diff")


def _items(kind: str, label: str, qtype: str, cat: Catalogue | None = None) -> None:
    counts = st.session_state[keys.BANK_EDIT_COUNTS]
    st.markdown(f"**{label}s**")
    for i in range(counts.get(kind, 0)):
        with st.container(border=True):
            if kind == "options":
                st.text_area(f"{label} {i + 1}", key=keys.edit_part(kind, i, "text"), height=68)
                st.checkbox(
                    "Correct" if qtype == "multiple" else "The key",
                    key=keys.edit_part(kind, i, "correct"),
                )
                st.text_input("Feedback (optional)", key=keys.edit_part(kind, i, "feedback"))
            elif kind == "pairs":
                left, right = st.columns(2)
                left.text_input(f"Left {i + 1}", key=keys.edit_part(kind, i, "left"))
                right.text_input(f"Right {i + 1}", key=keys.edit_part(kind, i, "right"))
            else:
                docs = list(cat.sources) if cat else []
                current = st.session_state.get(keys.edit_part(kind, i, "doc"))
                if current and current not in docs:
                    docs.append(current)
                st.selectbox(
                    f"{label} {i + 1}: document",
                    docs,
                    format_func=lambda d: (
                        f"{cat.sources[d].title} ({d})" if cat and d in cat.sources else d
                    ),
                    key=keys.edit_part(kind, i, "doc"),
                    placeholder="Choose a document",
                )
                st.text_area(
                    "Quote (word for word)", key=keys.edit_part(kind, i, "quote"), height=68
                )
    row = st.container(horizontal=True, gap="small")
    row.button(
        f"Add {label.lower()}",
        key=keys.edit_more(kind, "+"),
        icon=":material/add:",
        on_click=_more,
        args=(kind, 1),
    )
    row.button(
        f"Remove last {label.lower()}",
        key=keys.edit_more(kind, "-"),
        icon=":material/remove:",
        on_click=_more,
        args=(kind, -1),
        disabled=counts.get(kind, 0) == 0,
    )


def _checked(
    user: User, cat: Catalogue, opened: Opened, fields: dict[str, Any], bank: str
) -> Proposal | None:
    """Check the form against the whole catalogue and say what the validator says about it."""
    st.markdown("##### Checks")
    try:
        proposal = contentedit.check(
            engine(),
            user,
            config.quizzes_dir(),
            opened,
            fields,
            bank,
            index=sources(),
            baseline=cat,
        )
    except EditError as exc:
        st.error(fmt.plain(str(exc)), icon=":material/block:")
        return None
    problems, warnings = proposal.about()
    elsewhere = [p for p in proposal.problems if p.subject != proposal.qid]
    if not problems and not elsewhere:
        st.success("No problems: `resurface validate` accepts this.", icon=":material/check:")
    for p in [*problems, *elsewhere]:
        where = p.field or "question"
        st.error(
            fmt.plain(f"{where}: {p.message}" if p in problems else str(p)), icon=":material/error:"
        )
    new = {(w.field, w.rule) for w in proposal.warnings}
    for w in warnings:
        tag = " (new)" if (w.field, w.rule) in new else ""
        st.warning(
            fmt.plain(f"{w.rule}{tag}: {w.field or 'question'}: {w.message}"),
            icon=":material/flag:",
        )
    if not warnings:
        st.caption(":material/check: No item-writing warnings.")
    return proposal


def _citations(cat: Catalogue, fields: dict[str, Any]) -> None:
    index: SourceIndex | None = sources()
    cited = [s for s in fields.get("sources") or [] if s.get("doc") and s.get("quote")]
    if not cited:
        return
    st.markdown("##### Citations in their documents")
    if index is None:
        st.caption("The source documents are not available on this server.")
        return
    for n, src in enumerate(cited, 1):
        doc, quote = src["doc"], src["quote"]
        text = index.texts.get(doc)
        title = cat.sources[doc].title if doc in cat.sources else doc
        with st.container(border=True):
            if text is None:
                st.error(fmt.plain(f"{n}. No document '{doc}' in the sources folder."))
                continue
            found = passage(text, quote)
            if found is None:
                st.warning(fmt.plain(f"{n}. {title}: no passage shares a word with the quote."))
                continue
            how = (
                "found word for word"
                if found.exact
                else f"not word for word; the nearest passage ({found.similarity:.0%} of the "
                "quote's words)"
            )
            st.caption(fmt.plain(f"{n}. {title} ({doc}): {how}"))
            start, end = max(found.start - CONTEXT, 0), min(found.end + CONTEXT, len(text))
            before = ("…" if start else "") + text[start : found.start]
            after = text[found.end : end] + ("…" if end < len(text) else "")
            colour = "green" if found.exact else "orange"
            marked = fmt.plain(text[found.start : found.end])
            st.markdown(f"{fmt.plain(before)}:{colour}-background[**{marked}**]{fmt.plain(after)}")


def history(user: User, qid: str) -> None:
    """The question's versions: in-app saves and the versions attempts were given."""
    versions = contentedit.history(engine(), user, qid)
    with st.expander(f"History ({len(versions)})", icon=":material/history:"):
        if not versions:
            st.caption("No in-app save, and no attempt has asked this question yet.")
            return
        frame = pd.DataFrame(
            {
                "When": [fmt.when(v.at) for v in versions],
                "Change": [v.kind for v in versions],
                "By": [
                    v.who or ("-" if v.kind == "asked" else "outside the app") for v in versions
                ],
                "Fields": [", ".join(v.fields) for v in versions],
                "Version": [(v.version or "")[:10] for v in versions],
                "Attempts": [v.attempts for v in versions],
            }
        )
        st.dataframe(frame, hide_index=True, width="stretch")
        st.caption(
            "Version: the start of the content hash attempts store; 'asked' rows are versions "
            "trainees were given, first seen at that time."
        )
        for v in versions:
            if v.diff:
                st.markdown(fmt.plain(f"{fmt.when(v.at)} · {v.who or 'the console'} · {v.kind}"))
                st.code(v.diff, language="diff")
