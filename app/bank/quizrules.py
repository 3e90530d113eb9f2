"""Quiz rules beyond structure: draws that name known topics and banks, and a form that can be
drawn within the quiz's balance; item-writing warnings about each quiz's pool."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from app.bank import forms
from app.bank.forms import Unit
from app.bank.schema import Quiz
from app.bank.text import plural
from app.bank.writing import LIMITS
from app.bank.yamlpos import Loc

# (where the line is, the field at fault, the message); both places are within the quiz.
QuizFinding = tuple[Loc, Loc, str]
# (where the line is, the field at fault, the rule, the message)
QuizWarning = tuple[Loc, Loc, str, str]


def quiz_rules(
    quiz: Quiz, topics: Collection[str], banks: Collection[str], pools: Sequence[Sequence[Unit]]
) -> list[QuizFinding]:
    """What is wrong with a quiz's certification, draws or balance, given the loaded topics and
    banks and each draw line's pool (``forms.line_pools``)."""
    found: list[QuizFinding] = []
    if quiz.certifies and quiz.mode != "exam":
        found.append((("certifies",), ("certifies",), "only an exam can grant a certification"))
    if quiz.certifies and quiz.feedback == "immediate":
        found.append(
            (
                ("feedback",),
                ("feedback",),
                "a certifying exam draws secure questions, whose keys must not be shown during "
                "the attempt: feedback must be on_submit",
            )
        )
    kind = (
        " (a certifying exam draws only questions marked exam_only)"
        if forms.secure_quiz(quiz)
        else ""
    )
    short = False
    for j, (draw, matching) in enumerate(zip(quiz.draw, pools, strict=True)):
        loc: Loc = ("draw", j)
        if draw.topic and draw.topic not in topics:
            found.append((loc, (*loc, "topic"), f"unknown topic '{draw.topic}'"))
        if draw.bank and draw.bank not in banks:
            found.append((loc, (*loc, "bank"), f"unknown bank '{draw.bank}'"))
        size = sum(u.size for u in matching)
        if draw.count > size:
            short = True
            found.append(
                (
                    loc,
                    (*loc, "count"),
                    f"asks for {plural(draw.count, 'question')} but only {size} match{kind}",
                )
            )
    if not short:
        why = forms.why_no_form(quiz, pools)
        if why is not None:
            found.append(((why.field,), (why.field,), why.message))
    return found
    reason = forms.obstacle(quiz, pools)
    if reason is None:
        try:
            if forms.search(quiz, pools) is None:
                reason = forms.NO_FORM
        except forms.Exhausted:
            reason = forms.SEARCH_TOO_LONG
    if reason is not None:
        where: Loc = ("balance",) if quiz.balance and "overlap" not in reason else ("draw",)
        found.append((where, where, reason))
    return found


# What a quiz card shows from the quiz's own settings (its questions, minutes, attempts, pass
# mark; the certification's months): a description that says them too is a second home for
# them, and goes wrong when a setting changes (a pass mark adopted from the standard setting,
# a draw changed) or reads wrong beside a trainee's extra time.
_NUMBER = (
    r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|sixty|ninety)"
)
SETTINGS_STATED = re.compile(
    rf"\b{_NUMBER}(\s*%|\s*percent\b|[\s-]+(questions?|min(ute)?s?|attempts?|months?|"
    r"years?|hours?)\b)",
    re.IGNORECASE,
)


def quiz_warnings(quiz: Quiz, pools: Sequence[Sequence[Unit]]) -> list[QuizWarning]:
    """Item-writing warnings about a quiz's pool: shares of true/false and select-all questions,
    and a certifying exam's pool too small for a retake to meet new questions; and a
    description that restates the quiz's settings."""
    out: list[QuizWarning] = []
    stated = [m.group(0) for m in SETTINGS_STATED.finditer(quiz.description)]
    if stated:
        out.append(
            (
                ("description",),
                ("description",),
                "description-settings",
                f"the description states {', '.join(repr(s) for s in stated)}: the quiz card "
                "shows the questions, time, attempts and pass mark from the settings, so say "
                "what the quiz is for and leave the figures to them",
            )
        )
    drawn = {u.qids: u for p in pools for u in p}.values()
    kinds = [t for u in drawn for t in u.types]  # one entry per question it can draw
    if kinds:
        for kind, limit, rule, name in (
            ("true_false", LIMITS.true_false_share, "true-false-share", "true/false"),
            ("multiple", LIMITS.select_all_share, "select-all-share", "select-all"),
        ):
            n = kinds.count(kind)
            if n > limit * len(kinds):
                out.append(
                    (
                        ("draw",),
                        ("draw",),
                        rule,
                        f"{n} of the {len(kinds)} questions it can draw are {name} "
                        f"({n / len(kinds):.0%}; at most {limit:.0%}); write single best "
                        "answer questions instead",
                    )
                )
    if forms.secure_quiz(quiz):
        for j, (draw, pool) in enumerate(zip(quiz.draw, pools, strict=True)):
            have = forms.distinct(pool)
            short = sum(u.size for u in pool) < draw.count  # already a problem of its own
            if have < LIMITS.secure_pool * draw.count and not short:
                out.append(
                    (
                        ("draw", j),
                        ("draw", j, "count"),
                        "secure-pool",
                        f"draws {draw.count} from a pool of {have} secure questions (variant "
                        f"groups counted once); at least {LIMITS.secure_pool * draw.count} "
                        "let a retake meet new questions",
                    )
                )
    return out
