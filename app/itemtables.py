"""Item analysis as a trainer reads it: labels, rounding, order and notes. No streamlit, no I/O.

Turns an ``app.reports.ItemAnalysis`` into display frames and one-line texts; every missing figure
reads "—", never "nan".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from app import analytics
from app.accounts import User
from app.present import EMPTY, TYPE_LABELS
from app.reports import ItemAnalysis

DASH = EMPTY
WHICH_LABELS = {"first": "First", "last": "Last", "best": "Best", "all": "All"}
WHICH_SAYS = {
    "first": "each trainee's first attempt (as Moodle)",
    "last": "each trainee's last attempt",
    "best": "each trainee's best attempt",
    "all": "every attempt",
}
GROUP_PERCENT = round(analytics.GROUP_SHARE * 100)
UPPER, LOWER = f"Upper {GROUP_PERCENT}%", f"Lower {GROUP_PERCENT}%"
SHARE_COLUMNS = ("All", UPPER, LOWER)  # the option table's percent columns

# One line per figure: the column help and the "what the figures mean" list.
EXPLAIN = {
    "Responses": "Attempts that had this question (answered or not).",
    "Facility": "Share of the marks earned: 0 = nobody right, 1 = everybody right. "
    f"Flagged below {analytics.HARD_BELOW:g} or above {analytics.EASY_ABOVE:g}.",
    "Discrimination": "Correlation of this question with the rest of the quiz (corrected "
    f"item-total r). Below {analytics.WEAK_R_BELOW:g} is weak; negative usually means a wrong key.",
    f"D ({GROUP_PERCENT}%)": f"Facility in the top {GROUP_PERCENT}% of scores minus the bottom "
    f"{GROUP_PERCENT}%.",
    "Efficiency": "Discrimination as a share of the most the score spread allows (1 at most).",
    "Alpha if deleted": "The quiz's reliability without this question: higher than the "
    "quiz's alpha means the question lowers it.",
    "Flags": "Why the question deserves a look.",
    "Sample": f"Provisional: fewer than {analytics.PROVISIONAL_BELOW} responses, figures move a "
    "lot with each new attempt.",
}


# The same figures in everyday words, shown as text where they appear (a help tooltip alone
# reaches neither a phone nor a screen reader): one line each.
PLAIN_QUESTIONS = (
    ("Facility", "how easy the question was: 0 means nobody got it right, 1 means everybody did."),
    (
        "Discrimination",
        "whether trainees who did well on the whole quiz got this question right more often "
        f"than those who did badly: below {analytics.WEAK_R_BELOW:g} it tells them apart "
        "poorly, below 0 the answer key may be wrong.",
    ),
    (
        "Alpha if deleted",
        "how consistent the quiz would be without this question; higher than the quiz's own "
        "figure means the question makes the quiz less consistent.",
    ),
)
PLAIN_RELIABILITY = (
    "Alpha (KR-20 for right/wrong questions) says how consistently the quiz measures, from 0 to "
    "1: 0.7 or more is usual for a test that decides something."
)


def figure(value: Any, places: int = 2, suffix: str = "") -> str:
    """A number with ``places`` decimals, or "—" when it is missing (None or NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{round(float(value), places) + 0.0:.{places}f}{suffix}"  # + 0.0: no "-0.00"


def cohorts(people: Iterable[User]) -> list[str]:
    """The distinct cohorts of these people, sorted; people without one are left out."""
    return sorted({p.cohort for p in people if p.cohort})


def summary_figures(summary: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """The quiz's headline figures as (label, value, help)."""
    kr20 = summary["kr20"]
    is_kr20 = not math.isnan(kr20)
    reliability = "KR-20" if is_kr20 else "Cronbach's alpha"
    return [
        ("Attempts", str(summary["attempts"]), "Attempts counted, as chosen above."),
        ("Mean", figure(summary["mean_percent"], 1, "%"), "Average score, in percent."),
        (
            "SD",
            figure(summary["sd_percent"], 1, "%"),
            "Standard deviation of the scores, in percentage points (sample, as Moodle).",
        ),
        (
            reliability,
            figure(kr20 if is_kr20 else summary["alpha"]),
            "Internal consistency, 0 to 1: 0.7 or more is usual for a test that decides "
            "something. KR-20 is Cronbach's alpha for right/wrong questions.",
        ),
        (
            "SEM",
            figure(summary["sem"], 2, " pts"),
            "Standard error of measurement, in points: a trainee's score is typically within "
            "± SEM of their true score.",
        ),
    ]


def reliability_note(summary: Mapping[str, Any]) -> str | None:
    """Why reliability is not shown, as a sentence, or None when it is."""
    note = summary.get("alpha_note")
    if not note:
        return None
    return f"Reliability, SEM and alpha if deleted are not computed: {note}."


def provisional_notice(result: ItemAnalysis) -> str | None:
    """A warning when figures rest on fewer than 30 responses, or None."""
    items = result.items
    few = int(items["provisional"].sum())
    attempts = result.summary["attempts"]
    limit = analytics.PROVISIONAL_BELOW
    if not few and attempts >= limit:
        return None
    parts = []
    if attempts < limit:
        parts.append(f"only {attempts} attempt{'s' * (attempts != 1)} counted")
    if few:
        median = int(items["responses"].median())
        parts.append(
            f"{few} of {len(items)} questions have fewer than {limit} responses (median {median})"
        )
    return (
        f"Provisional: {'; '.join(parts)}. With samples this small each new attempt can move "
        "the figures a lot: read flags as prompts to look, not verdicts."
    )


def _order(items: pd.DataFrame) -> pd.Index:
    """Flagged questions first, then by the evidence behind them: most responses first."""
    key = pd.DataFrame(
        {"calm": ~items["flags"].map(bool), "fewer": -items["responses"], "id": items.index}
    )
    return pd.Index(key.sort_values(["calm", "fewer", "id"])["id"], name=items.index.name)


def question_table(
    result: ItemAnalysis, topics: Mapping[str, str] | None = None, flagged_only: bool = False
) -> pd.DataFrame:
    """One display row per question, flagged first, most responses first within.

    Numbers stay numbers (rounded) so the table sorts them.

    ``topics`` maps topic ids to titles. "Alpha if deleted" is left out when it is missing
    for every question (a pool quiz).
    """
    items = result.items.loc[_order(result.items)]
    if flagged_only:
        items = items[items["flags"].map(bool)]
    topics = topics or {}
    deleted = result.summary["alpha_if_deleted"].reindex(items.index)
    table = pd.DataFrame(
        {
            "Question": items.index,
            "Flags": ["; ".join(f) for f in items["flags"]],
            "Responses": items["responses"].to_numpy(),
            "Facility": _rounded(items["facility"]),
            "Discrimination": _rounded(items["discrimination"]),
            f"D ({GROUP_PERCENT}%)": _rounded(items["upper_lower_d"]),
            "Efficiency": _rounded(items["efficiency"]),
            "Alpha if deleted": _rounded(deleted),
            "Sample": np.where(items["provisional"], "provisional", ""),
            "Topic": [topics.get(t, t) for t in items["topic"]],
            "Type": [TYPE_LABELS.get(t, t) for t in items["type"]],
            "Stem": items["stem"].replace("", "(no longer in the banks)").to_numpy(),
        }
    )
    if result.summary["alpha_if_deleted"].isna().all():
        table = table.drop(columns="Alpha if deleted")
    return table


def _rounded(values: pd.Series) -> np.ndarray:
    return np.round(values.to_numpy(dtype=float), 2) + 0.0


def question_label(result: ItemAnalysis, qid: str, width: int = 70) -> str:
    """The picker's line for a question: a flag mark, its id and the start of its stem."""
    row = result.items.loc[qid]
    stem = row["stem"] or "(no longer in the banks)"
    if len(stem) > width:
        stem = stem[: width - 1].rstrip() + "…"
    return f"{'⚑ ' if row['flags'] else ''}{qid} — {stem}"


def question_facts(result: ItemAnalysis, qid: str) -> str:
    """A question's figures on one line."""
    row = result.items.loc[qid]
    deleted = result.summary["alpha_if_deleted"].get(qid, math.nan)
    parts = [
        f"{row['responses']} responses" + (" (provisional)" if row["provisional"] else ""),
        f"facility {figure(row['facility'])}",
        f"discrimination {figure(row['discrimination'])}",
        f"D {figure(row['upper_lower_d'])}",
        f"efficiency {figure(row['efficiency'])}",
    ]
    if not math.isnan(deleted):
        parts.append(f"alpha if deleted {figure(deleted)}")
    return " · ".join(parts)


def option_table(result: ItemAnalysis, qid: str) -> pd.DataFrame:
    """A question's options as the trainer reads them: letter, wording, key, shares in percent.

    Empty when the question has no distractor analysis (multiple choice, matching, or options
    changed since it was answered). "Note" points at patterns worth a look: a key the lower group
    picks more than the upper, a distractor the upper group prefers, an option nobody chose.
    """
    rows = result.distractors[result.distractors["qid"] == qid]
    notes = []
    for r in rows.itertuples():
        note = ""
        if r.option == analytics.NO_ANSWER:
            pass
        elif r.is_key and r.lower_share > r.upper_share:
            note = "lower group chose the key more: check it"
        elif not r.is_key and r.upper_share > r.lower_share:
            note = "draws the upper group: ambiguous or a second answer?"
        elif not r.is_key and r.n == 0:
            note = "nobody chose it"
        notes.append(note)
    return pd.DataFrame(
        {
            "Option": [str(o) for o in rows["option"]],
            "Key": np.where(rows["is_key"], "✓", ""),
            "Chosen": rows["n"].to_numpy(),
            "All": _percent(rows["share"]),
            UPPER: _percent(rows["upper_share"]),
            LOWER: _percent(rows["lower_share"]),
            "Note": notes,
            "Answer": [t or "(no answer)" for t in rows["text"]],
        }
    )


def _percent(values: pd.Series) -> np.ndarray:
    return np.round(values.to_numpy(dtype=float) * 100, 1) + 0.0


def option_chart_data(result: ItemAnalysis, qid: str) -> pd.DataFrame:
    """Long form for a bar chart: option (✓ on the key), group and share in percent."""
    table = option_table(result, qid)
    option = [f"{o} ✓" if k else o for o, k in zip(table["Option"], table["Key"], strict=True)]
    groups = [UPPER, "All", LOWER]
    return pd.DataFrame(
        {
            "option": option * len(groups),
            "group": [g for g in groups for _ in option],
            "share": np.concatenate([table[g].to_numpy() for g in groups]),
        }
    )


def no_options_reason(result: ItemAnalysis, qid: str) -> str:
    """Why a question has no option table."""
    kind = result.items.loc[qid, "type"]
    if kind in ("multiple", "matching"):
        return (
            f"No option table for this type ({TYPE_LABELS[kind].lower()}): an answer is a set "
            "of choices, not one option."
        )
    if not kind:
        return "No option table: the question is no longer in the banks."
    return "No option table: the question's options changed since it was answered."


def empty_message(quiz_title: str, cohort: str | None) -> str:
    where = f" in cohort {cohort}" if cohort else ""
    return (
        f"No trainee{where} has submitted {quiz_title} yet, so there is nothing to analyse. "
        "Figures appear after the first submitted attempt."
    )
