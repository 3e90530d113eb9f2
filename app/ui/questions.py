"""One question on screen: the widget that fits its type, its answer (worded by app.present),
and its sources.

Widgets show options in the attempt's shuffled order; what is saved is always canonical (see
app.engine). Each widget's state is seeded from the saved answer, so a reload shows what was saved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app.attempts import AttemptView, QuestionState
from app.bank import Catalogue
from app.engine import Presented, Snapshot
from app.feedback import key_of
from app.present import NO_CHOICE, answer_lines, is_answered
from app.ui import keys


def marked(state: QuestionState) -> None:
    """A checked question as it was shown: what was chosen, and which choices were right."""
    snap, shown, answer = state.presented.snapshot, state.presented, state.answer
    lines = []
    if snap.type in ("single", "multiple"):
        picked = {answer} if snap.type == "single" else set(answer or [])
        # Material Symbols names: a ticked box is "check_box", an empty one "..._outline_blank".
        on, off = (
            ("radio_button_checked", "radio_button_unchecked")
            if snap.type == "single"
            else ("check_box", "check_box_outline_blank")
        )
        for c in shown.option_order:
            icon = f":material/{on if c in picked else off}:"
            right = " :green-badge[right answer]" if snap.options[c].correct else ""
            lines.append(f"{icon} {snap.options[c].text}{right}")
    elif snap.type == "true_false":
        for value in (True, False):
            icon = f":material/radio_button_{'checked' if answer is value else 'unchecked'}:"
            right = " :green-badge[right answer]" if snap.answer is value else ""
            lines.append(f"{icon} {'True' if value else 'False'}{right}")
    else:
        chosen = answer or [None] * len(snap.pairs)
        for left in shown.left_order:
            pick = chosen[left]
            ok = ":material/check:" if pick == left else ":material/close:"
            text = NO_CHOICE if pick is None else snap.pairs[pick][1]
            lines.append(f"{ok} {snap.pairs[left][0]} → {text}")
    st.markdown("  \n".join(lines))


def answer_block(label: str, snap: Snapshot, answer: Any) -> None:
    """An answer under a bold label: inline for one choice, a list for several."""
    lines = answer_lines(snap, answer)
    if snap.type in ("multiple", "matching") and is_answered(answer):
        st.markdown(f"**{label}:**\n" + "\n".join(f"- {line}" for line in lines))
    else:
        st.markdown(f"**{label}:** {lines[0]}")


def citations(snap: Snapshot, catalogue: Catalogue) -> None:
    """Each cited passage with the title of its document."""
    for doc, quote in snap.sources:
        source = catalogue.sources.get(doc)
        title = source.title if source else doc
        st.caption(f":material/menu_book: **{title}**: “{quote}”")


def vignette(snap: Snapshot) -> None:
    if snap.vignette:
        with st.container(border=True):
            st.markdown(f"**Case: {snap.case_title}**" if snap.case_title else "**Case**")
            st.markdown(snap.vignette)


def seed_state(view: AttemptView, state: QuestionState) -> None:
    """Put the saved answer into the widgets' keys, unless this session already holds them."""
    aid, pos = view.id, state.presented.position
    snap, shown = state.presented.snapshot, state.presented
    answer = state.answer
    if snap.type in ("single", "true_false"):
        st.session_state.setdefault(keys.answer(aid, pos), answer)
    elif snap.type == "multiple":
        picked = set(answer or [])
        for slot, canonical in enumerate(shown.option_order):
            st.session_state.setdefault(keys.option(aid, pos, slot), canonical in picked)
    else:
        chosen = answer or [None] * len(snap.pairs)
        for row, left in enumerate(shown.left_order):
            st.session_state.setdefault(keys.match(aid, pos, row), chosen[left])


def read(view: AttemptView, state: QuestionState) -> Any:
    """The canonical answer the widgets hold now (None when nothing is chosen)."""
    aid, pos = view.id, state.presented.position
    snap, shown = state.presented.snapshot, state.presented
    if snap.type in ("single", "true_false"):
        return st.session_state.get(keys.answer(aid, pos))
    if snap.type == "multiple":
        picked = sorted(
            canonical
            for slot, canonical in enumerate(shown.option_order)
            if st.session_state.get(keys.option(aid, pos, slot))
        )
        return picked or None
    chosen: list[int | None] = [None] * len(snap.pairs)
    for row, left in enumerate(shown.left_order):
        chosen[left] = st.session_state.get(keys.match(aid, pos, row))
    return chosen if any(c is not None for c in chosen) else None


def widgets(
    view: AttemptView,
    state: QuestionState,
    on_change: Callable[..., None] | None,
    disabled: bool = False,
) -> None:
    """The answer widgets; ``on_change`` (if given) is called with (attempt id, position)."""
    aid, pos = view.id, state.presented.position
    snap, shown = state.presented.snapshot, state.presented
    args = (aid, pos)
    if snap.type == "single":
        st.radio(
            "Choose one answer",
            list(shown.option_order),
            format_func=lambda c: snap.options[c].text,
            key=keys.answer(aid, pos),
            on_change=on_change,
            args=args,
            disabled=disabled,
        )
    elif snap.type == "true_false":
        st.radio(
            "True or false?",
            [True, False],
            format_func=lambda v: "True" if v else "False",
            key=keys.answer(aid, pos),
            on_change=on_change,
            args=args,
            disabled=disabled,
            horizontal=True,
        )
    elif snap.type == "multiple":
        st.markdown("Choose every answer that applies")
        for slot, canonical in enumerate(shown.option_order):
            st.checkbox(
                snap.options[canonical].text,
                key=keys.option(aid, pos, slot),
                on_change=on_change,
                args=args,
                disabled=disabled,
            )
    else:
        _matching(view, state, on_change, disabled)


def letters(state: QuestionState) -> dict[int, str]:
    """A matching question's right-hand options by letter, A, B, C…, in the order shown."""
    return {right: chr(ord("A") + i) for i, right in enumerate(state.presented.right_order)}


def _matching(
    view: AttemptView,
    state: QuestionState,
    on_change: Callable[..., None] | None,
    disabled: bool,
) -> None:
    """The options on the right listed once, by letter; each item on the left picks a letter."""
    aid, pos = view.id, state.presented.position
    snap, shown = state.presented.snapshot, state.presented
    letter = letters(state)
    with st.container(key=f"resurface-matching-{pos}"):
        st.markdown("Match each item with one option; use each option once.")
        st.markdown("\n".join(f"- **{letter[r]}** {snap.pairs[r][1]}" for r in shown.right_order))
        for row, left in enumerate(shown.left_order):
            st.radio(
                snap.pairs[left][0],
                list(shown.right_order),
                index=None,
                format_func=lambda r: letter[r],
                key=keys.match(aid, pos, row),
                on_change=on_change,
                args=(aid, pos),
                disabled=disabled,
                horizontal=True,
            )


def clash(view: AttemptView, state: QuestionState) -> str | None:
    """Why the matching answer on screen cannot be saved: one option given to two items."""
    if state.presented.snapshot.type != "matching":
        return None
    chosen = [c for c in (read(view, state) or []) if c is not None]
    twice = [c for c in state.presented.right_order if chosen.count(c) > 1]
    if not twice:
        return None
    letter = letters(state)
    return (
        f"option {letter[twice[0]]} is picked for more than one item; "
        "each option goes with one item only. Change one of them."
    )


def with_key(presented: Presented) -> None:
    """A question's choices with the right answers chosen and marked, as a checked answer shows.

    For previews outside an attempt (the question bank); the orders are the presented ones.
    """
    marked(QuestionState(presented, key_of(presented.snapshot), None, False, None))
