"""How a quiz form is drawn: which questions a quiz may use, in what units, under what limits.

The rules, in one place:

- A certifying exam draws only secure (``exam_only``) questions; every other quiz draws only the
  others, so no secure question is ever shown with its key in practice.
- A case is drawn whole, in its written order, as one unit; it counts all its questions against
  the draw line it is drawn for and against the balance.
- Questions that share a ``variant`` group never sit in one form.
- A form fills every draw line with exactly its count and keeps within the quiz's ``balance``
  (questions per difficulty, per type, and cases).

``draw`` finds a random form by a depth-first search over the shuffled pools; ``search`` runs the
same search in written order to prove that a quiz's limits can be met (or that they cannot).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial

from app.bank.draws import fillable
from app.bank.model import Catalogue
from app.bank.schema import Balance, Draw, Quiz, Span
from app.bank.text import plural
from app.errors import ResurfaceError

# Steps of the search before a random draw starts again with a fresh shuffle, and how often it
# may; the validator's proof may take many more.
DRAW_STEPS = 20_000
DRAW_TRIES = 20
PROOF_STEPS = 500_000


def secure_quiz(quiz: Quiz) -> bool:
    """Whether ``quiz`` draws secure questions (and only those): it is an exam that certifies."""
    return quiz.certifies is not None and quiz.mode == "exam"


@dataclass(frozen=True)
class Unit:
    """What is drawn as one: a question on its own, or a whole case in its written order."""

    qids: tuple[str, ...]
    bank: str
    topic: str
    tags: frozenset[str]  # the tags every question of the unit has
    difficulties: tuple[int, ...]
    types: tuple[str, ...]
    variants: frozenset[str]
    case: str | None
    secure: bool | None  # None: a case that mixes secure and practice questions (never drawn)

    @property
    def size(self) -> int:
        return len(self.qids)


def units(catalogue: Catalogue) -> list[Unit]:
    """Every unit of the catalogue, in catalogue order (a case where its first question is).

    Retired questions and drafts are in none: never drawn, and not counted in any pool.
    """
    grouped: dict[str, list[str]] = {}
    for qid, entry in catalogue.entries.items():
        if not entry.question.drawable:
            continue
        grouped.setdefault(entry.case.id if entry.case else f"\0{qid}", []).append(qid)
    out = []
    for key, qids in grouped.items():
        entries = [catalogue.entries[qid] for qid in qids]
        secure = {e.question.exam_only for e in entries}
        out.append(
            Unit(
                tuple(qids),
                entries[0].bank,
                entries[0].topic,
                frozenset.intersection(*(frozenset(e.question.tags) for e in entries)),
                tuple(e.question.difficulty for e in entries),
                tuple(e.question.type for e in entries),
                frozenset(e.question.variant for e in entries if e.question.variant),
                None if key.startswith("\0") else key,
                secure.pop() if len(secure) == 1 else None,
            )
        )
    return out


def eligible(quiz: Quiz, all_units: Sequence[Unit]) -> list[Unit]:
    """The units ``quiz`` may draw: secure ones for a certifying exam, the others otherwise."""
    want = secure_quiz(quiz)
    return [u for u in all_units if u.secure is want]


def line_pool(draw: Draw, candidates: Sequence[Unit]) -> list[Unit]:
    """The units one draw line selects, in the order given."""
    want = set(draw.tags or ())
    return [
        u
        for u in candidates
        if (draw.topic is None or u.topic == draw.topic)
        and (draw.bank is None or u.bank == draw.bank)
        and want <= u.tags
    ]


def line_pools(quiz: Quiz, all_units: Sequence[Unit]) -> list[list[Unit]]:
    """Each draw line's pool of the units ``quiz`` may draw."""
    allowed = eligible(quiz, all_units)
    return [line_pool(draw, allowed) for draw in quiz.draw]


def pools(quiz: Quiz, catalogue: Catalogue) -> list[list[Unit]]:
    """Each draw line's pool of units for ``quiz``."""
    return line_pools(quiz, units(catalogue))


def drawable(quiz: Quiz, pools: Sequence[Sequence[Unit]]) -> set[str]:
    """Every question some form of ``quiz`` could hold: in a unit of its line's pool that fits
    the line's count (a case of three never fits a line of one)."""
    return {
        qid
        for draw, pool in zip(quiz.draw, pools, strict=True)
        for u in pool
        if u.size <= draw.count
        for qid in u.qids
    }


def distinct(units_: Sequence[Unit]) -> int:
    """How many questions a pool offers once each variant group counts once."""
    seen: set[str] = set()
    n = 0
    for u in units_:
        if u.variants and u.variants <= seen:
            continue
        seen |= u.variants
        n += u.size
    return n


@dataclass
class Tally:
    """What a form holds so far, against the quiz's balance."""

    difficulty: Counter[int] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    cases: int = 0

    def add(self, u: Unit, sign: int = 1) -> None:
        for d in u.difficulties:
            self.difficulty[d] += sign
        for t in u.types:
            self.types[t] += sign
        self.cases += sign if u.case else 0


def _limits(balance: Balance | None) -> list[tuple[str, Span, object]]:
    if balance is None:
        return []
    out: list[tuple[str, Span, object]] = [("difficulty", s, s.level) for s in balance.difficulty]
    out += [("types", span, kind) for kind, span in balance.types.items()]
    if balance.cases is not None:
        out.append(("cases", balance.cases, None))
    return out


def _count(tally: Tally, kind: str, key: object) -> int:
    if kind == "difficulty":
        return tally.difficulty[key]  # type: ignore[index]
    if kind == "types":
        return tally.types[key]  # type: ignore[index]
    return tally.cases


def describe(kind: str, key: object) -> str:
    if kind == "difficulty":
        return f"questions of difficulty {key}"
    if kind == "types":
        return f"{str(key).replace('_', '/')} questions"
    return "cases"


def unmet(quiz: Quiz, form: Sequence[Sequence[Unit]]) -> list[str]:
    """What a drawn form breaks: a line's count, a repeat, a variant clash, a balance limit."""
    out = []
    tally = Tally()
    seen: set[str] = set()
    variants: Counter[str] = Counter()
    for i, (draw, line) in enumerate(zip(quiz.draw, form, strict=True)):
        got = sum(u.size for u in line)
        if got != draw.count:
            out.append(f"draw[{i}] holds {got} questions, not {draw.count}")
        for u in line:
            tally.add(u)
            variants.update(u.variants)
            for qid in u.qids:
                if qid in seen:
                    out.append(f"question '{qid}' is drawn twice")
                seen.add(qid)
    out += [f"variant group '{v}' is drawn {n} times" for v, n in variants.items() if n > 1]
    for kind, span, key in _limits(quiz.balance):
        n = _count(tally, kind, key)
        if not span.holds(n):
            out.append(f"{n} {describe(kind, key)} {_span_words(span)}")
    return out


def _span_words(span: Span) -> str:
    if span.max is None:
        return f"(at least {span.min} wanted)"
    if span.min == 0:
        return f"(at most {span.max} allowed)"
    return f"({span.min} to {span.max} wanted)"


class Exhausted(ResurfaceError):
    """The search used its steps without finding a form or proving there is none."""


class _Search:
    def __init__(self, quiz: Quiz, line_pools: Sequence[Sequence[Unit]], steps: int) -> None:
        self.counts = [d.count for d in quiz.draw]
        self.pools = line_pools
        self.limits = _limits(quiz.balance)
        self.steps = steps
        self.tally = Tally()
        self.used: set[tuple[str, ...]] = set()
        self.variants: set[str] = set()
        self.chosen: list[list[Unit]] = [[] for _ in self.counts]
        self.left = sum(self.counts)
        # Bounds for pruning, from position p of line l onward (lines after l in full): how many
        # questions are left to pick from, and how many of each kind a minimum asks for.
        self.floors = [(kind, span, key) for kind, span, key in self.limits if span.min > 0]
        self.room = _suffix(line_pools, lambda u: u.size)
        self.supply = [
            _suffix(line_pools, partial(_of, kind=kind, key=key)) for kind, _, key in self.floors
        ]

    def run(self) -> list[list[Unit]] | None:
        if not self._fill(0, self.counts[0], 0):
            return None
        return [list(line) for line in self.chosen]

    def _fill(self, line: int, need: int, start: int) -> bool:
        self.steps -= 1
        if self.steps < 0:
            raise Exhausted
        if not self._may_reach(line, start, need):
            return False
        if need == 0:
            if line + 1 >= len(self.counts):
                return self._within()
            return self._fill(line + 1, self.counts[line + 1], 0)
        pool = self.pools[line]
        for p in range(start, len(pool)):
            u = pool[p]
            if u.size > need or u.qids in self.used or (u.variants & self.variants):
                continue
            self._take(line, u, 1)
            if self._under_max() and self._fill(line, need - u.size, p + 1):
                return True
            self._take(line, u, -1)
        return False

    def _take(self, line: int, u: Unit, sign: int) -> None:
        self.tally.add(u, sign)
        self.left -= sign * u.size
        if sign > 0:
            self.used.add(u.qids)
            self.variants |= u.variants
            self.chosen[line].append(u)
        else:
            self.used.discard(u.qids)
            self.variants -= u.variants
            self.chosen[line].pop()

    def _under_max(self) -> bool:
        return all(
            span.max is None or _count(self.tally, kind, key) <= span.max
            for kind, span, key in self.limits
        )

    def _may_reach(self, line: int, start: int, need: int) -> bool:
        """Whether this line can still be filled from ``start`` on, and the questions still to
        pick could bring every count up to its minimum (upper bounds: repeats ignored)."""
        if self.room[line][start] - self.room[line + 1][0] < need:
            return False
        return all(
            _count(self.tally, kind, key) + min(self.left, supply[line][start]) >= span.min
            for (kind, span, key), supply in zip(self.floors, self.supply, strict=True)
        )

    def _within(self) -> bool:
        return all(span.holds(_count(self.tally, kind, key)) for kind, span, key in self.limits)


def _of(u: Unit, kind: str, key: object) -> int:
    """How much ``u`` adds to one balance count."""
    if kind == "difficulty":
        return u.difficulties.count(key)
    if kind == "types":
        return u.types.count(key)
    return 1 if u.case else 0


def _suffix(line_pools: Sequence[Sequence[Unit]], weight: Callable[[Unit], int]) -> list[list[int]]:
    """``out[l][p]``: the weight of line l's units from p on, plus every later line's; with a
    final row [0] so ``out[l + 1][0]`` is always there."""
    out: list[list[int]] = [[0]]
    for pool in reversed(line_pools):
        after = out[0][0]
        row = [after] * (len(pool) + 1)
        for p in range(len(pool) - 1, -1, -1):
            row[p] = row[p + 1] + weight(pool[p])
        out.insert(0, row)
    return out


def search(
    quiz: Quiz, line_pools: Sequence[Sequence[Unit]], steps: int = PROOF_STEPS
) -> list[list[Unit]] | None:
    """A form in pool order, or None if there is none. Raises Exhausted past ``steps``."""
    if not quiz.draw:
        return []
    return _Search(quiz, line_pools, steps).run()


@dataclass(frozen=True)
class Obstacle:
    """Why no form of a quiz can be drawn, and the field of the quiz it is about."""

    field: str  # "draw" or "balance"
    message: str


def obstacle(quiz: Quiz, pools: Sequence[Sequence[Unit]]) -> Obstacle | None:
    """The first plain reason no form can be drawn (a line with too few questions or that whole
    cases cannot fill exactly, lines that overlap, a balance limit out of reach), or None."""
    for i, (d, p) in enumerate(zip(quiz.draw, pools, strict=True)):
        have = sum(u.size for u in p)
        if have < d.count:
            return Obstacle(
                "draw", f"draw[{i}] asks for {plural(d.count, 'question')} but only {have} match"
            )
    for i, (d, p) in enumerate(zip(quiz.draw, pools, strict=True)):
        sums = {0}
        for u in p:
            sums |= {n + u.size for n in sums if n + u.size <= d.count}
        if d.count not in sums:
            sizes = sorted({u.size for u in p})
            return Obstacle(
                "draw",
                f"draw[{i}] cannot hold exactly {plural(d.count, 'question')}: a case is drawn "
                f"whole, and its units come in sizes {', '.join(map(str, sizes))}",
            )
    asked = sum(d.count for d in quiz.draw)
    filled = fillable([[q for u in p for q in u.qids] for p in pools], [d.count for d in quiz.draw])
    if filled < asked:
        return Obstacle(
            "draw",
            f"the draws overlap: they ask for {asked} different questions "
            f"but only {filled} can be drawn",
        )
    units = {u.qids: u for p in pools for u in p}.values()
    balance = quiz.balance
    if balance is not None:
        for level in balance.difficulty:
            have = sum(u.difficulties.count(level.level) for u in units)
            if have < level.min:
                return Obstacle(
                    "balance",
                    f"the balance wants at least {level.min} questions of difficulty "
                    f"{level.level} but the draws can pick only {have}",
                )
        for kind, span in balance.types.items():
            have = sum(u.types.count(kind) for u in units)
            if have < span.min:
                return Obstacle(
                    "balance",
                    f"the balance wants at least {span.min} {kind.replace('_', '/')} questions "
                    f"but the draws can pick only {have}",
                )
        ceilings = [d.max for d in balance.difficulty if d.max is not None]
        if len(ceilings) == 3 and sum(ceilings) < asked:
            return Obstacle(
                "balance",
                f"the difficulty limits allow at most {sum(ceilings)} questions but the draws "
                f"ask for {asked}",
            )
        floors = sum(d.min for d in balance.difficulty)
        if floors > asked:
            return Obstacle(
                "balance",
                f"the difficulty minimums add up to {floors}, more than the {asked} asked for",
            )
    return None


NO_FORM = (
    "no form can be drawn: no combination of whole cases and single questions fills every draw "
    "line exactly within the balance, with at most one question of each variant group"
)
SEARCH_TOO_LONG = (
    f"no form was found within {PROOF_STEPS:,} steps of search; loosen the balance or widen "
    "the draws"
)


def why_no_form(quiz: Quiz, pools: Sequence[Sequence[Unit]]) -> Obstacle | None:
    """Why ``quiz`` cannot be drawn from these line pools, or None: a form exists (found by the
    search in written order, the validator's proof)."""
    found = obstacle(quiz, pools)
    if found is not None:
        return found
    try:
        if search(quiz, pools) is not None:
            return None
        message = NO_FORM
    except Exhausted:
        message = SEARCH_TOO_LONG
    return Obstacle("balance" if quiz.balance else "draw", message)


def draw(quiz: Quiz, catalogue: Catalogue, rng: random.Random) -> list[list[Unit]]:
    """A random form of ``quiz``; raises ValueError if none can be found."""
    line_pools = pools(quiz, catalogue)
    found = obstacle(quiz, line_pools)
    if found is not None:
        raise ValueError(found.message)
    for _ in range(DRAW_TRIES):
        shuffled = [rng.sample(p, len(p)) for p in line_pools]
        try:
            form = search(quiz, shuffled, DRAW_STEPS)
        except Exhausted:
            continue
        if form is None:
            raise ValueError(NO_FORM)
        broken = unmet(quiz, form)
        if broken:  # the search keeps every limit; this would be a bug, never a form
            raise AssertionError(f"drawn form breaks its quiz: {'; '.join(broken)}")
        return form
    raise ValueError(
        f"no form was found in {DRAW_TRIES} searches of {DRAW_STEPS:,} steps; "
        "`resurface validate` says whether one exists"
    )
