"""Item analysis of quiz responses: pandas in, pandas out; no database, no I/O.

Input is a long-format DataFrame with one row per (attempt, question): ``attempt_id``,
``user_id``, ``submitted_at``, ``position``, ``qid``, ``points`` (0 to 1, 0 for unanswered) and
``choice`` (the chosen option's label, or None). Every question is worth 1 point. Analyse one quiz
at a time: totals of attempts with different numbers of questions do not compare.

Variances and standard deviations are sample ones (ddof=1, as Moodle does) in every formula below,
Cronbach's alpha and KR-20 included.

Missing items: attempts may draw different questions from a pool, so an attempt can lack an item.
A missing item is never counted as 0:

- ``score_matrix`` holds NaN for it;
- an attempt's total is the sum of points over the items it has, its percent is that total over
  its number of items times 100;
- item statistics (``item_stats``, ``distractors``) use only the attempts that contain the item,
  and an attempt's rest score for an item is its total minus the item;
- alpha (``quiz_stats``) is computed only when every attempt has the same items, else it is NaN
  with a reason (see ``quiz_stats``).

Totals and rest scores are rounded to 9 decimals so float noise from partial credit (1/3 + 2/3)
cannot split ties or fake a variance.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

Which = Literal["first", "last", "best", "all"]
WHICH: tuple[Which, ...] = ("first", "last", "best", "all")

HARD_BELOW = 0.2
EASY_ABOVE = 0.95
WEAK_R_BELOW = 0.2
RARE_DISTRACTOR_BELOW = 0.05
PROVISIONAL_BELOW = 30
GROUP_SHARE = 0.27
NO_ANSWER = "no answer"

ITEM_COLUMNS = (
    "responses",
    "facility",
    "sd",
    "discrimination",
    "upper_lower_d",
    "efficiency",
    "provisional",
    "flags",
)
DISTRACTOR_COLUMNS = ("qid", "option", "is_key", "n", "share", "upper_share", "lower_share")
Options = Mapping[str, Sequence[tuple[Hashable, bool]]]

_DECIMALS = 9


def select_attempts(responses: pd.DataFrame, which: Which = "first") -> pd.DataFrame:
    """The rows of one attempt per user: ``first``, ``last``, ``best`` or ``all`` of them.

    first / last: the earliest / latest by submitted_at, then attempt_id. best: the highest total
    points (sum of ``points``), ties going to the earliest. all: every row. Rows keep their order
    and index. Raises ValueError for an unknown ``which``, missing columns or a missing
    submitted_at (only finished attempts belong here).
    """
    if which not in WHICH:
        raise ValueError(f"unknown which {which!r} (expected one of {', '.join(WHICH)})")
    _require(responses, ("attempt_id", "user_id", "submitted_at", "points"))
    if which == "all":
        return responses
    if responses["submitted_at"].isna().any():
        raise ValueError("submitted_at is missing for some responses (unfinished attempts?)")
    per = (
        responses.groupby("attempt_id", sort=False)
        .agg(
            user_id=("user_id", "first"),
            submitted_at=("submitted_at", "first"),
            total=("points", "sum"),
        )
        .reset_index()
    )
    per["total"] = per["total"].round(_DECIMALS)
    if which == "best":
        per = per.sort_values(
            ["user_id", "total", "submitted_at", "attempt_id"],
            ascending=[True, False, True, True],
        )
        keep = per.drop_duplicates("user_id", keep="first")
    else:
        per = per.sort_values(["user_id", "submitted_at", "attempt_id"])
        keep = per.drop_duplicates("user_id", keep="first" if which == "first" else "last")
    return responses[responses["attempt_id"].isin(keep["attempt_id"])]


def score_matrix(responses: pd.DataFrame) -> pd.DataFrame:
    """Points as attempts x items: index ``attempt_id``, one column per ``qid`` (both sorted).

    A cell is NaN where the attempt did not have the question (it was not drawn), never 0.
    Raises ValueError for missing columns, points outside 0..1 or NaN, or a question repeated
    within one attempt.
    """
    s = _scores(responses)
    return pd.DataFrame(
        s.x,
        index=pd.Index(s.attempts, name="attempt_id"),
        columns=pd.Index(s.qids, name="qid"),
    )


def item_stats(responses: pd.DataFrame, options: Options | None = None) -> pd.DataFrame:
    """Classical item statistics, one row per qid (the index, sorted).

    Over the n attempts that contain the item, with x its item scores, T the attempts' totals
    and R = T - x their rest scores:

    - responses: n.
    - facility: p = mean(x) / 1 (each item's maximum is 1).
    - sd: sample standard deviation of x (ddof=1); NaN when n < 2.
    - discrimination: corrected item-total correlation r = Pearson correlation of x and R,
      r = sum((x - mean x)(R - mean R)) / sqrt(sum((x - mean x)^2) * sum((R - mean R)^2));
      NaN when x or R has no variance (or n < 2).
    - upper_lower_d: D = p(upper group) - p(lower group), the groups being the g = max(1,
      floor(0.27 n + 0.5)) attempts with the highest and lowest total score T (the item
      included, as in classical analysis). Attempts tied on T across a group's edge share its
      remaining places equally (each tied attempt counts with weight places left / number tied),
      so the result does not depend on row order. p(group) = sum(weight * x) / g.
    - efficiency: discriminative efficiency = cov(x, R) / cov(sort(x), sort(R)), both sorted
      ascending: the covariance over the largest covariance the two marginal distributions allow
      (1 at most; negative, even below -1, for an item that discriminates the wrong way); NaN when
      x or R has no variance.
    - provisional: n < 30.
    - flags: list of one-line reasons: "too hard: p=0.12 < 0.2", "too easy: p=0.97 > 0.95",
      "negative discrimination: r=-0.30 — check the key" or else "weak discrimination:
      r=0.11 < 0.2", and, when ``options`` is given, for each non-key option with share < 5%
      (share as in ``distractors``): "distractor 'X' chosen by 3% (< 5%)". Values show 2
      decimals (percents 0), more when rounding would hide which side of the threshold they are.

    Raises ValueError as ``score_matrix`` and, with ``options``, as ``distractors``.
    """
    s = _scores(responses)
    rare: dict[str, list[tuple[Hashable, float]]] = {}
    if options is not None:
        table = _choice_table(responses, options, s)
        table = table[
            table["_option"] & ~table["is_key"] & (table["share"] < RARE_DISTRACTOR_BELOW)
        ]
        for qid, label, share in zip(table["qid"], table["option"], table["share"], strict=True):
            rare.setdefault(qid, []).append((label, share))
    rows = []
    for j, qid in enumerate(s.qids):
        has = ~np.isnan(s.x[:, j])
        x, total = s.x[has, j], s.total[has]
        rest = np.round(total - x, _DECIMALS)
        n = len(x)
        p = float(x.mean())
        r = efficiency = math.nan
        if n > 1 and np.ptp(x) > 0 and np.ptp(rest) > 0:
            xc, rc = x - p, rest - rest.mean()
            sxy = float(xc @ rc)
            r = max(-1.0, min(1.0, sxy / math.sqrt(float(xc @ xc) * float(rc @ rc))))
            efficiency = sxy / float((np.sort(x) - p) @ (np.sort(rest) - rest.mean()))
        upper, lower = _group_weights(total)
        rows.append(
            (
                n,
                p,
                _sd(x),
                r,
                float((upper - lower) @ x / upper.sum()),
                efficiency,
                n < PROVISIONAL_BELOW,
                _flags(p, r, rare.get(qid, [])),
            )
        )
    out = pd.DataFrame(rows, columns=list(ITEM_COLUMNS), index=pd.Index(s.qids, name="qid"))
    return out.astype({"responses": "int64", "provisional": "bool"})


def distractors(responses: pd.DataFrame, options: Options) -> pd.DataFrame:
    """How often each option was chosen, overall and in the upper and lower 27% groups.

    One row per (qid, option) for the qids in both ``options`` and ``responses``, in the order
    given, then a row with option "no answer" (choice None/NaN). Columns: qid, option (the label),
    is_key (the option is correct), n (attempts choosing it), share = n / attempts with the item,
    upper_share and lower_share = the same share within the upper and lower groups by total
    score, with the groups and tie weights of ``item_stats`` (sum of weights choosing it / g).

    ``options`` maps qid -> [(label, is_correct), ...]. Raises ValueError for a choice that is
    not among its question's labels, repeated labels, or as ``score_matrix``.
    """
    table = _choice_table(responses, options, _scores(responses))
    return table.drop(columns="_option")


def quiz_stats(responses: pd.DataFrame) -> dict[str, Any]:
    """Whole-quiz statistics and reliability, as a dict.

    Keys: attempts, items (distinct qids), mean_percent and sd_percent (of each attempt's percent
    score), mean_total and sd_total (of total points), alpha, kr20, sem, alpha_note and
    alpha_if_deleted (a Series by qid).

    With k items, n attempts, s_i^2 the sample variance of item i and s_T^2 that of the totals:

    - alpha = k / (k - 1) * (1 - sum(s_i^2) / s_T^2).
    - kr20 = k / (k - 1) * (1 - sum(p_i (1 - p_i)) * n / (n - 1) / s_T^2), p_i the facility;
      the n / (n - 1) keeps it sample-based like alpha, so kr20 == alpha for 0/1 items. NaN when
      any score is not 0 or 1.
    - sem = sd_total * sqrt(1 - alpha), in points.
    - alpha_if_deleted[i] = alpha of the other k - 1 items (totals without item i); NaN when
      k < 3.

    Alpha needs every attempt to have the same items. When attempts drew different questions
    from a pool, alpha, kr20, sem and alpha_if_deleted are NaN and alpha_note says why: the
    complete-case matrix of the most common item set would often hold a handful of attempts and
    give a misleading figure. alpha_note also explains a NaN from fewer than 2 attempts or items
    or totals without variance; it is None when alpha was computed.
    """
    s = _scores(responses)
    n, k = s.x.shape
    has = ~np.isnan(s.x)
    by_qid = pd.Index(s.qids, name="qid")
    percent = s.total / has.sum(axis=1) * 100 if n else s.total
    out: dict[str, Any] = {
        "attempts": n,
        "items": k,
        "mean_percent": float(percent.mean()) if n else math.nan,
        "sd_percent": _sd(percent),
        "mean_total": float(s.total.mean()) if n else math.nan,
        "sd_total": _sd(s.total),
        "alpha": math.nan,
        "kr20": math.nan,
        "sem": math.nan,
        "alpha_note": None,
        "alpha_if_deleted": pd.Series(math.nan, index=by_qid, name="alpha_if_deleted"),
    }
    if n < 2:
        out["alpha_note"] = "alpha needs at least 2 attempts"
    elif not has.all():
        out["alpha_note"] = (
            "attempts have different questions (drawn from a pool); alpha needs every attempt "
            "to have the same items"
        )
    elif k < 2:
        out["alpha_note"] = "alpha needs at least 2 items"
    elif out["sd_total"] == 0:
        out["alpha_note"] = "every attempt has the same total score"
    if out["alpha_note"] is not None:
        return out
    item_var = s.x.var(axis=0, ddof=1)
    total_var = out["sd_total"] ** 2
    alpha = k / (k - 1) * (1 - item_var.sum() / total_var)
    out["alpha"] = float(alpha)
    out["sem"] = out["sd_total"] * math.sqrt(max(0.0, 1 - alpha))
    if np.isin(s.x, (0.0, 1.0)).all():
        p = s.x.mean(axis=0)
        out["kr20"] = float(k / (k - 1) * (1 - (p * (1 - p)).sum() * n / (n - 1) / total_var))
    if k >= 3:
        rest_var = (s.total[:, None] - s.x).var(axis=0, ddof=1)
        kept = item_var.sum() - item_var
        ratio = np.divide(kept, rest_var, out=np.full(k, np.nan), where=rest_var > 0)
        out["alpha_if_deleted"] = pd.Series(
            (k - 1) / (k - 2) * (1 - ratio), index=by_qid, name="alpha_if_deleted"
        )
    return out


@dataclass(frozen=True)
class _Scores:
    attempts: np.ndarray  # attempt ids, sorted
    qids: np.ndarray  # qids, sorted
    x: np.ndarray  # attempts x items points, NaN where the attempt lacks the item
    total: np.ndarray  # per attempt, rounded
    row: np.ndarray  # per response row: its attempt's row in x
    col: np.ndarray  # per response row: its item's column in x


def _require(responses: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in responses.columns]
    if missing:
        raise ValueError(f"responses lack columns: {', '.join(missing)}")


def _scores(responses: pd.DataFrame) -> _Scores:
    _require(responses, ("attempt_id", "qid", "points"))
    row, attempts = pd.factorize(responses["attempt_id"], sort=True)
    col, qids = pd.factorize(responses["qid"], sort=True)
    if (row < 0).any() or (col < 0).any():
        raise ValueError("attempt_id and qid must not be missing")
    points = responses["points"].to_numpy(dtype=float, na_value=np.nan)
    if not ((points >= 0) & (points <= 1)).all():
        raise ValueError("points must be between 0 and 1 (0 for unanswered), never missing")
    x = np.full((len(attempts), len(qids)), np.nan)
    x[row, col] = points
    if np.count_nonzero(~np.isnan(x)) != len(points):
        dup = responses[responses.duplicated(["attempt_id", "qid"])].iloc[0]
        raise ValueError(f"attempt {dup['attempt_id']} has question {dup['qid']} more than once")
    total = np.round(np.nansum(x, axis=1), _DECIMALS)
    return _Scores(np.asarray(attempts), np.asarray(qids), x, total, row, col)


def _sd(values: np.ndarray) -> float:
    """Sample standard deviation; exactly 0 for equal values (their mean can be off by an ulp)."""
    if len(values) < 2:
        return math.nan
    return float(values.std(ddof=1)) if np.ptp(values) > 0 else 0.0


def _group_weights(total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each attempt's weight (0..1) in the upper and lower groups; each group's weights sum to g."""
    n = len(total)
    g = max(1, math.floor(GROUP_SHARE * n + 0.5))
    _, inverse, counts = np.unique(total, return_inverse=True, return_counts=True)
    below = np.cumsum(counts) - counts
    above = n - below - counts
    tied = counts[inverse]
    upper = np.clip((g - above[inverse]) / tied, 0.0, 1.0)
    lower = np.clip((g - below[inverse]) / tied, 0.0, 1.0)
    return upper, lower


def _choice_table(responses: pd.DataFrame, options: Options, s: _Scores) -> pd.DataFrame:
    _require(responses, ("choice",))
    choices = responses["choice"].to_numpy(dtype=object)
    order = np.argsort(s.col, kind="stable")
    starts = np.concatenate(([0], np.cumsum(np.bincount(s.col, minlength=len(s.qids)))))
    column = {qid: j for j, qid in enumerate(s.qids)}
    cols: dict[str, list[Any]] = {c: [] for c in (*DISTRACTOR_COLUMNS, "_option")}
    for qid, opts in options.items():
        if qid not in column:
            continue
        labels = [label for label, _ in opts]
        index = pd.Index(labels, dtype=object)
        if not index.is_unique:
            raise ValueError(f"{qid}: option labels repeat: {labels!r}")
        j = column[qid]
        rows = order[starts[j] : starts[j + 1]]
        given = choices[rows]
        codes = index.get_indexer(given)
        unknown = (codes < 0) & ~pd.isna(given)
        if unknown.any():
            raise ValueError(f"{qid}: choice {given[unknown][0]!r} is not one of its options")
        size = len(labels) + 1
        codes[codes < 0] = size - 1
        upper, lower = _group_weights(s.total[s.row[rows]])
        counts = np.bincount(codes, minlength=size)
        cols["qid"] += [qid] * size
        cols["option"] += [*labels, NO_ANSWER]
        cols["is_key"] += [bool(correct) for _, correct in opts] + [False]
        cols["n"].append(counts)
        cols["share"].append(counts / len(rows))
        cols["upper_share"].append(np.bincount(codes, weights=upper, minlength=size) / upper.sum())
        cols["lower_share"].append(np.bincount(codes, weights=lower, minlength=size) / lower.sum())
        cols["_option"] += [True] * len(labels) + [False]
    numbers = ("n", "share", "upper_share", "lower_share")
    return pd.DataFrame(
        {
            "qid": pd.Series(cols["qid"], dtype=object),
            "option": pd.Series(cols["option"], dtype=object),
            "is_key": np.array(cols["is_key"], dtype=bool),
            **{
                c: np.concatenate(cols[c]) if cols[c] else np.array([], dtype=float)
                for c in numbers
            },
            "_option": np.array(cols["_option"], dtype=bool),
        }
    ).astype({"n": "int64"})


def _flags(p: float, r: float, rare: list[tuple[Hashable, float]]) -> list[str]:
    flags = []
    if p < HARD_BELOW:
        flags.append(f"too hard: p={_shown(p, HARD_BELOW, below=True)} < {HARD_BELOW:g}")
    elif p > EASY_ABOVE:
        flags.append(f"too easy: p={_shown(p, EASY_ABOVE, below=False)} > {EASY_ABOVE:g}")
    if r < 0:
        flags.append(f"negative discrimination: r={_shown(r, 0.0, below=True)} — check the key")
    elif r < WEAK_R_BELOW:
        shown = _shown(r, WEAK_R_BELOW, below=True)
        flags.append(f"weak discrimination: r={shown} < {WEAK_R_BELOW:g}")
    limit = RARE_DISTRACTOR_BELOW * 100
    for label, share in rare:
        shown = _shown(share * 100, limit, below=True, decimals=0)
        flags.append(f"distractor '{label}' chosen by {shown}% (< {limit:g}%)")
    return flags


def _shown(value: float, bound: float, *, below: bool, decimals: int = 2) -> str:
    """``value`` with enough decimals that it still reads as below (or above) ``bound``."""
    for places in range(decimals, 7):
        text = f"{value:.{places}f}"
        if (float(text) < bound) if below else (float(text) > bound):
            return text
    return f"{value:.2g}"
