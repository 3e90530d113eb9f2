"""Data for trainers' reports, read with the actor's permissions, as pandas frames.

Trainers see the trainees of their own cohort; managers see every trainee, or one cohort.
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from app import analytics
from app.accounts import User, report_scope
from app.bank import Catalogue
from app.bank.schema import SingleQuestion, TrueFalseQuestion
from app.store import attempts as attempt_store

RESPONSE_COLUMNS = [
    "attempt_id",
    "user_id",
    "submitted_at",
    "position",
    "qid",
    "points",
    "choice",
]


def _choices(answers: pd.Series, label: Callable[[int], Hashable] | None = None) -> pd.Series:
    """The option picked, for distractor analysis: a single-choice index or true/false, else None.

    ``answers`` holds each answer's JSON text ('2', 'true', '[0, 1]', 'null') or None. ``label``
    turns an index into what the choice shows instead (a letter, say).
    """
    codes, texts = pd.factorize(answers)
    # A few distinct texts among many answers: parse each once. The trailing None is what code
    # -1, an unanswered question, picks.
    picked = np.array([*(_choice(t, label) for t in texts), None], dtype=object)
    return pd.Series(picked[codes], index=answers.index, dtype=object)


def _choice(text: str, label: Callable[[int], Hashable] | None) -> Hashable:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return label(value) if label else value
    return None


def quiz_responses(
    engine: Engine, actor: User, quiz_id: str, cohort: str | None = None
) -> pd.DataFrame:
    """One row per question of every submitted trainee attempt at ``quiz_id`` the actor may see.

    Columns: attempt_id, user_id, submitted_at, position, qid, points (0 when unanswered), choice.
    Raises Forbidden.
    """
    return _responses(engine, actor, quiz_id, cohort)


def _responses(
    engine: Engine,
    actor: User,
    quiz_id: str,
    cohort: str | None,
    label: Callable[[int], Hashable] | None = None,
) -> pd.DataFrame:
    scope = report_scope(actor, cohort)
    with engine.connect() as conn:
        frame = attempt_store.quiz_responses(conn, quiz_id, scope)
    frame["points"] = frame["points"].astype("float64").fillna(0.0)
    frame["choice"] = _choices(frame["answer"], label)
    return frame[RESPONSE_COLUMNS]


@dataclass(frozen=True)
class ItemAnalysis:
    """Item analysis of one quiz: per question, per option and for the whole quiz."""

    quiz_id: str
    which: analytics.Which
    # analytics.item_stats by qid, plus topic, type and stem from the banks ("" for a question
    # no longer in them), ordered by qid.
    items: pd.DataFrame
    # analytics.distractors for single-choice and true/false questions still in the banks, plus
    # ``text``: the option's wording. Options are lettered A, B, ... in the order the bank writes
    # them (trainees saw them shuffled).
    distractors: pd.DataFrame
    summary: dict[str, Any]  # analytics.quiz_stats

    @property
    def empty(self) -> bool:
        return self.items.empty


def option_label(index: int) -> str:
    """A single-choice option's letter: A for the bank's first option, then B, C, ..."""
    return string.ascii_uppercase[index] if index < 26 else str(index + 1)


def _options(
    catalogue: Catalogue, responses: pd.DataFrame
) -> tuple[dict[str, list[tuple[Hashable, bool]]], dict[tuple[str, Hashable], str]]:
    """Labels and keys of the options of questions whose answers are one choice, and their text.

    A question whose recorded choices do not fit its current options (it was edited since) is
    left out: its old answers cannot be matched to today's wording.
    """
    options: dict[str, list[tuple[Hashable, bool]]] = {}
    texts: dict[tuple[str, Hashable], str] = {}
    seen = responses.groupby("qid")["choice"].agg(lambda c: set(c.dropna()))
    for qid, chosen in seen.items():
        entry = catalogue.entries.get(qid)
        question = entry.question if entry else None
        labelled: list[tuple[Hashable, bool, str]]
        if isinstance(question, SingleQuestion):
            labelled = [
                (option_label(i), o.correct, o.text) for i, o in enumerate(question.options)
            ]
        elif isinstance(question, TrueFalseQuestion):
            labelled = [(v, v == question.answer, str(v)) for v in (True, False)]
        else:
            continue
        if not chosen <= {label for label, _, _ in labelled}:
            continue
        options[qid] = [(label, key) for label, key, _ in labelled]
        texts |= {(qid, label): text for label, _, text in labelled}
    return options, texts


def item_analysis(
    engine: Engine,
    actor: User,
    quiz_id: str,
    catalogue: Catalogue,
    which: analytics.Which = "first",
    cohort: str | None = None,
) -> ItemAnalysis:
    """Item analysis of a quiz from the submitted attempts the actor may see.

    ``which`` picks each trainee's first (the default, as Moodle), last, best or all attempts.
    Raises Forbidden (as ``quiz_responses``) and ValueError for an unknown ``which``.
    """
    responses = _responses(engine, actor, quiz_id, cohort, label=option_label)
    responses = analytics.select_attempts(responses, which)
    options, texts = _options(catalogue, responses)
    items = analytics.item_stats(responses, options)
    about = pd.DataFrame(
        [_about(catalogue, qid) for qid in items.index],
        index=items.index,
        columns=["topic", "type", "stem"],
    )
    items = about.join(items)
    table = analytics.distractors(responses, options)
    table["text"] = [
        texts.get((qid, label), "")
        for qid, label in zip(table["qid"], table["option"], strict=True)
    ]
    return ItemAnalysis(quiz_id, which, items, table, analytics.quiz_stats(responses))


def _about(catalogue: Catalogue, qid: str) -> tuple[str, str, str]:
    """A question's topic, type and stem, or blanks when it is no longer in the banks."""
    entry = catalogue.entries.get(qid)
    if entry is None:
        return "", "", ""
    return entry.topic, entry.question.type, entry.question.stem
