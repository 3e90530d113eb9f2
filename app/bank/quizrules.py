"""Quiz rules beyond structure: draws that name known topics and banks, and can be filled."""

from __future__ import annotations

from collections.abc import Collection

from app.bank.draws import Candidate, fillable, pool
from app.bank.schema import Quiz
from app.bank.text import plural
from app.bank.yamlpos import Loc

# (where the line is, the field at fault, the message); both places are within the quiz.
QuizFinding = tuple[Loc, Loc, str]


def quiz_rules(
    quiz: Quiz, topics: Collection[str], banks: Collection[str], candidates: list[Candidate]
) -> list[QuizFinding]:
    """What is wrong with a quiz's certification or draws, given the loaded topics and banks."""
    found: list[QuizFinding] = []
    if quiz.certifies and quiz.mode != "exam":
        found.append((("certifies",), ("certifies",), "only an exam can grant a certification"))
    pools = []
    for j, draw in enumerate(quiz.draw):
        loc: Loc = ("draw", j)
        if draw.topic and draw.topic not in topics:
            found.append((loc, (*loc, "topic"), f"unknown topic '{draw.topic}'"))
        if draw.bank and draw.bank not in banks:
            found.append((loc, (*loc, "bank"), f"unknown bank '{draw.bank}'"))
        matching = pool(draw, candidates)
        if draw.count > len(matching):
            found.append(
                (
                    loc,
                    (*loc, "count"),
                    f"asks for {plural(draw.count, 'question')} but only {len(matching)} match",
                )
            )
        pools.append(matching)
    asked = sum(d.count for d in quiz.draw)
    if all(d.count <= len(p) for d, p in zip(quiz.draw, pools, strict=True)):
        filled = fillable(pools, [d.count for d in quiz.draw])
        if filled < asked:
            found.append(
                (
                    ("draw",),
                    ("draw",),
                    f"the draws overlap: they ask for {asked} different questions "
                    f"but only {filled} can be drawn",
                )
            )
    return found
