"""Summaries of a loaded catalogue: counts per topic and type."""

from __future__ import annotations

from collections import Counter

from app.bank.catalogue import Catalogue
from app.bank.schema import QUESTION_TYPES


def counts_table(cat: Catalogue) -> str:
    """A plain-text table of questions per topic and type, with case-based items and totals."""
    by = Counter((e.topic, e.question.type) for e in cat.entries.values())
    cased = Counter(e.topic for e in cat.entries.values() if e.case)
    topics = list(cat.topics) + sorted({e.topic for e in cat.entries.values()} - set(cat.topics))
    head = ["topic", *QUESTION_TYPES, "case-based", "total"]
    rows = []
    for t in topics:
        counts = [by[(t, kind)] for kind in QUESTION_TYPES]
        rows.append([t, *map(str, counts), str(cased[t]), str(sum(counts))])
    totals = [sum(by[(t, kind)] for t in topics) for kind in QUESTION_TYPES]
    rows.append(["TOTAL", *map(str, totals), str(sum(cased.values())), str(sum(totals))])
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(r: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )

    cases = len({e.case.id for e in cat.entries.values() if e.case})
    lines = [fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)]
    lines.append(f"{len(cat.banks)} banks, {cases} cases, {len(cat.quizzes)} quizzes")
    return "\n".join(lines)
