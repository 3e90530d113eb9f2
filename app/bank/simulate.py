"""Draw many forms of a quiz and report how they differ: the evidence that every trainee sits a
comparable exam (``resurface forms``, and a row of ``python -m benchmarks``)."""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass

from app.bank import forms, writing
from app.bank.model import Catalogue
from app.bank.schema import QUESTION_TYPES, Quiz


@dataclass(frozen=True)
class Spread:
    """One measure over all the forms drawn."""

    name: str
    low: float
    p5: float
    median: float
    p95: float
    high: float


@dataclass(frozen=True)
class Simulation:
    quiz: str
    forms: int
    seconds: float
    spreads: list[Spread]
    broken: int  # forms that broke a line, a variant group or the balance (always 0)
    questions_used: int  # distinct questions that appeared in some form
    pool: int  # questions the quiz may draw
    most_exposed: float  # the largest share of forms one question appeared in

    def table(self) -> str:
        head = (
            f"{self.quiz}: {self.forms:,} forms in {self.seconds:.2f}s "
            f"({self.seconds / self.forms * 1000:.2f} ms a form); "
            f"{self.questions_used} of the {self.pool} questions it may draw were used, none in "
            f"more than {self.most_exposed:.0%} of forms; {self.broken} forms broke a rule"
        )
        rows = ["| per form | min | 5% | median | 95% | max |", "|---|---:|---:|---:|---:|---:|"]
        rows += [
            f"| {s.name} | {_num(s.low)} | {_num(s.p5)} | {_num(s.median)} | {_num(s.p95)} "
            f"| {_num(s.high)} |"
            for s in self.spreads
        ]
        return "\n".join([head, "", *rows])


def _num(x: float) -> str:
    return f"{x:g}" if x == int(x) else f"{x:.2f}"


def _spread(name: str, values: list[float]) -> Spread:
    ordered = sorted(values)
    n = len(ordered)
    return Spread(
        name,
        ordered[0],
        ordered[int(0.05 * (n - 1))],
        statistics.median(ordered),
        ordered[int(0.95 * (n - 1))],
        ordered[-1],
    )


def simulate(quiz: Quiz, catalogue: Catalogue, n: int = 10_000, seed: int = 0) -> Simulation:
    """Draw ``n`` forms of ``quiz`` with seeds ``seed``, ``seed + 1``, ... as attempts would."""
    entries = catalogue.entries
    ids = list(entries)
    texts = [writing.likeness_words(entries[q].question) for q in ids]
    alike = {
        frozenset((ids[h.first], ids[h.second]))
        for h in writing.near_duplicates(texts, writing.LIMITS.near_duplicate)
    }
    measures: dict[str, list[float]] = {
        "total difficulty": [],
        **{f"difficulty {d}": [] for d in (1, 2, 3)},
        **{t.replace("_", "/"): [] for t in QUESTION_TYPES},
        "cases": [],
        "questions in cases": [],
        "near-duplicate pairs": [],
        "shared with the previous form": [],
    }
    seen: Counter[str] = Counter()
    broken = 0
    previous: set[str] = set()
    started = time.perf_counter()
    for k in range(n):
        form = forms.draw(quiz, catalogue, random.Random(seed + k))
        broken += bool(forms.unmet(quiz, form))
        chosen = [u for line in form for u in line]
        qids = {q for u in chosen for q in u.qids}
        seen.update(qids)
        levels = Counter(d for u in chosen for d in u.difficulties)
        types = Counter(t for u in chosen for t in u.types)
        measures["total difficulty"].append(sum(d * c for d, c in levels.items()))
        for d in (1, 2, 3):
            measures[f"difficulty {d}"].append(levels[d])
        for t in QUESTION_TYPES:
            measures[t.replace("_", "/")].append(types[t])
        measures["cases"].append(sum(1 for u in chosen if u.case))
        measures["questions in cases"].append(sum(u.size for u in chosen if u.case))
        measures["near-duplicate pairs"].append(sum(1 for pair in alike if pair <= qids))
        if k:
            measures["shared with the previous form"].append(len(qids & previous))
        previous = qids
    seconds = time.perf_counter() - started
    pool = forms.drawable(quiz, forms.pools(quiz, catalogue))
    return Simulation(
        quiz.id,
        n,
        seconds,
        [_spread(name, values) for name, values in measures.items() if values],
        broken,
        len(seen),
        len(pool),
        max(seen.values()) / n if seen else 0.0,
    )
