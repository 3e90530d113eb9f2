"""Time assembling and scoring 10,000 attempts of the certification exam with the pure engine.

Each attempt is ``app.engine.assemble`` (draw 30 questions across eight topics, order them, shuffle
their options, snapshot each) and ``app.engine.score_attempt`` of answers picked with a fixed seed
(some right, some wrong, a few left out). No database, no I/O.

Baseline, measured in the same run: the plainest draw and mark there is: ``random.sample`` of 30
question ids and a comparison of 30 answers with a key in a dict. Prints a table; asserts nothing.

A note below the table gives how the drawn forms differ (``app.bank.simulate``, the same figures
``resurface forms`` prints): total difficulty, questions per type, cases, near-duplicate pairs and
questions shared with the previous form, as min / median / max over the attempts drawn.

    python benchmarks/assemble_score.py [--quick] [--seed 42]
"""

from __future__ import annotations

import random
import time

from measure import Row, Run, seconds, standalone, timing

from app import config
from app.bank import load
from app.bank.simulate import simulate
from app.engine import Snapshot, assemble, score_attempt
from app.feedback import key_of

QUIZ = "certification-exam"


def some_answer(snap: Snapshot, rng: random.Random) -> object | None:
    """An answer of the right shape: right five times in six, else random; 1 in 20 left out."""
    if rng.random() < 0.05:
        return None
    if rng.random() < 5 / 6:
        return key_of(snap)
    if snap.type == "single":
        return rng.randrange(len(snap.options))
    if snap.type == "true_false":
        return rng.random() < 0.5
    if snap.type == "multiple":
        return sorted(rng.sample(range(len(snap.options)), k=2))
    return rng.sample(range(len(snap.pairs)), k=len(snap.pairs))


def measure(run: Run) -> list[Row]:
    attempts = run.size(10_000, 500)
    catalogue = load([config.quizzes_dir()])
    quiz = catalogue.quizzes[QUIZ]
    rng = random.Random(run.seed)
    engine_times: list[float] = []
    passed = 0
    for seed in range(attempts):
        started = time.perf_counter()
        presented = assemble(quiz, catalogue, seed)
        snaps = [p.snapshot for p in presented]
        answers = {s.qid: some_answer(s, rng) for s in snaps}
        score = score_attempt(snaps, answers, quiz.scoring, quiz.pass_mark)
        engine_times.append(time.perf_counter() - started)
        passed += score.passed
    qids = sorted(catalogue.entries)
    key = {qid: rng.randrange(4) for qid in qids}
    count = sum(d.count for d in quiz.draw)
    base_times: list[float] = []
    for seed in range(attempts):
        started = time.perf_counter()
        drawn = random.Random(seed).sample(qids, count)
        picked = {qid: rng.randrange(4) for qid in drawn}
        sum(picked[qid] == key[qid] for qid in drawn)
        base_times.append(time.perf_counter() - started)
    run.note(
        f"assemble + score: {attempts:,} attempts of {QUIZ} ({count} of "
        f"{len(catalogue.entries)} questions) took {seconds(sum(engine_times))} in all; "
        f"{passed} passed"
    )
    sim = simulate(quiz, catalogue, n=attempts, seed=0)
    spread = {x.name: x for x in sim.spreads}
    shown = ", ".join(
        f"{name} {spread[name].low:g}/{spread[name].median:g}/{spread[name].high:g}"
        for name in (
            "total difficulty",
            "multiple",
            "true/false",
            "matching",
            "cases",
            "near-duplicate pairs",
            "shared with the previous form",
        )
    )
    run.note(
        f"forms of {QUIZ} ({attempts:,} drawn, min/median/max per form): {shown}; "
        f"{sim.broken} broke a rule; {sim.questions_used} of {sim.pool} secure questions used"
    )
    return [
        timing(
            f"assemble + score one attempt ({QUIZ})",
            f"{attempts:,} attempts x {count} questions",
            engine_times,
            "random.sample of 30 ids + dict marking",
            base_times,
        )
    ]


def main() -> int:
    return standalone(measure, __doc__, seed=True)


if __name__ == "__main__":
    raise SystemExit(main())
