"""Item-writing checks: flaws a test-wise trainee can exploit, reported as warnings.

These follow the NBME item-writing guide (single best answer, options alike, no cues). Each check
has a rule name, used in the warning (``[key-longest]``) and in docs/authoring.md's list of rules;
every threshold is in ``LIMITS``. ``resurface validate`` prints warnings; ``--strict`` fails on
them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from app.bank.schema import (
    MatchingQuestion,
    MultipleQuestion,
    QuestionBase,
    SingleQuestion,
    TrueFalseQuestion,
)
from app.bank.text import words
from app.bank.yamlpos import Loc


@dataclass(frozen=True)
class Limits:
    """Every threshold of the item-writing checks, in one place."""

    # key-longest: the key is at least this many times the longest distractor (characters)
    longest_key: float = 1.25
    # longest-key-share: in a bank of at least this many single-answer questions ...
    longest_key_sample: int = 8
    # ... the share whose key is the longest option stays near chance (1 in the options count)
    longest_key_share: tuple[float, float] = (0.10, 0.45)
    # option-length: the longest option is this many times the shortest ...
    option_spread: float = 2.5
    # ... and at least this long (short options differ in ratio without it mattering)
    option_spread_floor: int = 40
    # absolute-distractors: this many distractors use absolute words and the key none
    absolute_distractors: int = 2
    # key-odd-form: how many opening words the wrong options share and the key does not
    odd_form_words: int = 2
    # near-duplicate: Jaccard similarity of the content words of stem and key
    near_duplicate: float = 0.45
    # secure-exposed: ... or of the keys alone, between a secure and a practice question
    exposed_key: float = 0.6
    # true-false-share / select-all-share: the most of a quiz's pool of each type
    true_false_share: float = 0.15
    select_all_share: float = 0.25
    # secure-pool: a certifying exam's pool per draw line, as a multiple of its count
    secure_pool: int = 2


LIMITS = Limits()

RULES = {
    "key-longest": "the key is the longest option by a clear margin",
    "longest-key-share": "a bank whose key is its longest option far more or less than by chance",
    "absolute-distractors": "absolute-word distractors against a key without them",
    "all-none-above": '"all of the above" or "none of the above"',
    "negative-stem": "a negative stem (not, except, least) not in capitals",
    "unfocused-stem": "a stem that cannot be answered before reading the options",
    "option-length": "options of very different length",
    "option-form": "options of different form (some full sentences, some fragments)",
    "key-odd-form": "every wrong option opens the same way and the key does not",
    "trivia": "a stem about prices, lunch hours, headings or gender",
    "which-source": "a question about which document said what",
    "near-duplicate": "two questions with nearly the same stem and key, not declared variants",
    "secure-exposed": "a secure question whose stem and key, or key alone, a practice one repeats",
    "case-order": "a case's questions apart or out of order",
    "variant-alone": "a variant group with one question",
    "true-false-share": "too many true/false questions in a quiz's pool",
    "select-all-share": "too many select-all questions in a quiz's pool",
    "secure-pool": "a certifying exam's pool too small for a retake to see new questions",
    "description-settings": "a quiz description that restates its settings (questions, minutes, "
    "pass mark, attempts, months valid)",
}

# (where, rule, message) within one question
Flag = tuple[Loc, str, str]

ABSOLUTE = re.compile(
    r"\b(always|never|every|everyone|all|none|only|guarantee[sd]?|guaranteed|certainly|"
    r"completely|entirely|must|no one|nothing|any)\b|\bthe sources agree\b",
    re.IGNORECASE,
)
ABOVE = re.compile(r"\b(all|none|both|neither) of (the above|these|them)\b", re.IGNORECASE)
NEGATIVE = re.compile(r"\b(not|except|least|never)\b|n't\b")  # lower case: capitals are emphasis
UNFOCUSED = re.compile(
    r"\bwhich (one )?(of (the following|these|them)( statements| options)?|statements?|options?)"
    r" (is|are) (true|correct|accurate|right|false|incorrect|wrong)\b|"
    r"\b(select|choose|pick) the (true|correct|accurate|right) (statement|option)\b",
    re.IGNORECASE,
)
TRIVIA = re.compile(
    r"\$|\b(prices?|costs?|pay|paying|lunch|heading|headings|gender|men and women|"
    r"women and men)\b",
    re.IGNORECASE,
)
WHICH_SOURCE = re.compile(
    r"\bwhich (of the )?(sources?|documents?|articles?|guides?|pages?|overview|texts?)\b|"
    r"\baccording to which\b|\bwhich one of the (sources|documents)\b",
    re.IGNORECASE,
)
DOC_LABEL = re.compile(r"\(00\d\)")
FOLLOW_ON = re.compile(
    r"^\s*(finally|lastly|later|next|then|afterwards|after that|also|another|meanwhile|"
    r"at (her|his|their|the) (next|follow-up|second|later))\b",
    re.IGNORECASE,
)
LAST_ONLY = re.compile(r"^\s*(finally|lastly)\b", re.IGNORECASE)
_STOP_WORDS = """a an the of to and or in on for with is are be it its this that as at by from
    her his she he you your their they them what which should does do can may will would about
    after before than then there these those who how when why not no into more most one two
    has have had was were been being so if but also just our we i me my says said"""
STOP = frozenset(_STOP_WORDS.split())


def question_flags(q: QuestionBase) -> list[Flag]:
    """Item-writing flaws of one question, by field."""
    found: list[Flag] = []
    asked = _question_sentence(q.stem)
    if not isinstance(q, MatchingQuestion) and NEGATIVE.search(asked):
        found.append(
            (
                ("stem",),
                "negative-stem",
                "the question asks in the negative (not, except, least); ask for the best "
                "action instead, or put the word in capitals so no one misreads it",
            )
        )
    if TRIVIA.search(q.stem):
        found.append(
            (
                ("stem",),
                "trivia",
                "the stem is about prices, lunch hours, headings or gender; ask what the "
                "technician should do, check or tell a client",
            )
        )
    if WHICH_SOURCE.search(asked):
        found.append(
            (
                ("stem",),
                "which-source",
                "the question asks which document said something; attribution belongs in the "
                "explanation, the question in what to do or tell a client",
            )
        )
    if isinstance(q, SingleQuestion | MultipleQuestion):
        found += _option_flags(q, asked)
    pairs = getattr(q, "pairs", None)
    if pairs and sum(
        bool(DOC_LABEL.search(p.left) or DOC_LABEL.search(p.right)) for p in pairs
    ) * 2 >= len(pairs):
        found.append(
            (
                ("pairs",),
                "which-source",
                "the pairs match documents to what they say; match situations to what the "
                "technician should do instead",
            )
        )
    return found


def _option_flags(q: SingleQuestion | MultipleQuestion, asked: str) -> list[Flag]:
    found: list[Flag] = []
    texts = [o.text for o in q.options]
    keys = [o.text for o in q.options if o.correct]
    wrong = [o.text for o in q.options if not o.correct]
    if UNFOCUSED.search(asked):
        found.append(
            (
                ("stem",),
                "unfocused-stem",
                "the stem only asks which option is true, so it cannot be answered before "
                "reading the options; pose the problem in the stem",
            )
        )
    for i, text in enumerate(texts):
        if ABOVE.search(text):
            found.append(
                (
                    ("options", i, "text"),
                    "all-none-above",
                    f'"{ABOVE.search(text).group(0)}" rewards partial knowledge; write a '  # type: ignore[union-attr]
                    "plausible option of its own",
                )
            )
    if keys and wrong:
        longest_wrong = max(len(t) for t in wrong)
        shortest_key = min(len(t) for t in keys)
        if shortest_key >= LIMITS.longest_key * longest_wrong:
            key_says = "the key is" if len(keys) == 1 else "every correct option is"
            found.append(
                (
                    ("options",),
                    "key-longest",
                    f"{key_says} longer than every other option by a clear margin "
                    f"({shortest_key} against at most {longest_wrong} characters); "
                    "test-wise trainees pick the longest option",
                )
            )
        absolute = [t for t in wrong if ABSOLUTE.search(t)]
        if len(absolute) >= LIMITS.absolute_distractors and not any(
            ABSOLUTE.search(t) for t in keys
        ):
            found.append(
                (
                    ("options",),
                    "absolute-distractors",
                    f"{len(absolute)} wrong options use absolute words (always, never, only, "
                    "every...) and the key none; test-wise trainees rule those out unread",
                )
            )
    if len(keys) == 1 and len(wrong) >= 2:
        n = LIMITS.odd_form_words
        openings = {tuple(words(t)[:n]) for t in wrong}
        if len(openings) == 1 and tuple(words(keys[0])[:n]) not in openings:
            found.append(
                (
                    ("options",),
                    "key-odd-form",
                    f'every wrong option opens with "{" ".join(openings.pop())}" and the key '
                    "does not; the odd one out is the one test-wise trainees pick",
                )
            )
    lengths = [len(t) for t in texts]
    if max(lengths) >= LIMITS.option_spread_floor and max(lengths) >= LIMITS.option_spread * min(
        lengths
    ):
        found.append(
            (
                ("options",),
                "option-length",
                f"the options run from {min(lengths)} to {max(lengths)} characters; make them "
                "alike in length so none stands out",
            )
        )
    ends = {_ends_sentence(t) for t in texts}
    if len(ends) > 1:
        found.append(
            (
                ("options",),
                "option-form",
                "some options end with a full stop and some do not; write them all as "
                "sentences or all as phrases",
            )
        )
    return found


def longest_key_share(questions: Iterable[QuestionBase]) -> str | None:
    """What is wrong with how often a bank's key is its longest option, or None.

    Chance is about one in four: far more often and test-wise trainees pick the longest; far
    less and they rule it out. Banks with few single-answer questions are not judged.
    """
    singles = [q for q in questions if isinstance(q, SingleQuestion)]
    if len(singles) < LIMITS.longest_key_sample:
        return None
    longest = sum(
        max(len(o.text) for o in q.options if o.correct)
        > max((len(o.text) for o in q.options if not o.correct), default=0)
        for q in singles
    )
    low, high = LIMITS.longest_key_share
    share = longest / len(singles)
    if low <= share <= high:
        return None
    tell = "pick" if share > high else "rule out"
    return (
        f"the key is the longest option in {longest} of its {len(singles)} single-answer "
        f"questions ({share:.0%}; by chance about 25%, and between {low:.0%} and {high:.0%} "
        f"passes): test-wise trainees learn to {tell} the longest option"
    )


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"')\u201d\u2019").endswith((".", "!", "?"))


def _question_sentence(stem: str) -> str:
    """The sentence of the stem that asks the question (the last one, or the last with '?')."""
    parts = re.split(r"(?<=[.!?])\s+", " ".join(stem.split()))
    asking = [p for p in parts if p.endswith("?")]
    return asking[-1] if asking else parts[-1]


def key_text(q: QuestionBase) -> str:
    """The right answer as words, for comparing questions."""
    options = getattr(q, "options", None)
    if options is not None:
        return " ".join(o.text for o in options if o.correct)
    if isinstance(q, TrueFalseQuestion):
        return ""
    return " ".join(f"{p.left} {p.right}" for p in getattr(q, "pairs", ()))


def content_words(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if len(w) > 2 and w not in STOP)


def likeness_words(q: QuestionBase) -> frozenset[str]:
    """What two questions are compared on for near-duplicates: the content words of the stem
    and the key together."""
    return content_words(f"{q.stem} {key_text(q)}")


@dataclass(frozen=True)
class Likeness:
    """Two questions whose stem and key share most of their content words."""

    first: int
    second: int
    similarity: float


def near_duplicates(texts: Sequence[frozenset[str]], threshold: float) -> list[Likeness]:
    """Pairs (i < j) whose word sets have a Jaccard similarity of at least ``threshold``.

    Counted with one matrix product per block of rows against the rows after it, so 10,000
    questions take about a second rather than the minutes fifty million set comparisons would.
    Empty sets are like nothing.
    """
    kept = [i for i, found in enumerate(texts) if found]
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for r, i in enumerate(kept):
        for w in texts[i]:
            rows.append(r)
            cols.append(vocab.setdefault(w, len(vocab)))
    n = len(kept)
    if n < 2:
        return []
    matrix = np.zeros((n, len(vocab)), dtype=np.float32)
    matrix[rows, cols] = 1.0
    sizes = matrix.sum(axis=1)
    out: list[Likeness] = []
    block = max(1, 8_000_000 // n)
    for start in range(0, n, block):
        part = matrix[start : start + block]
        shared = part @ matrix[start:].T  # this block against itself and every later row
        # shared / (a + b - shared) >= t  <=>  shared * (1 + t) >= t * (a + b)
        total = sizes[start : start + block, None] + sizes[None, start:]
        for a, b in np.argwhere(shared * (1 + threshold) >= threshold * total - 1e-4):
            if b > a:
                both = float(shared[a, b])
                i, j = kept[start + int(a)], kept[start + int(b)]
                out.append(Likeness(i, j, both / float(total[a, b] - both)))
    return out


def case_flags(questions: Iterable[tuple[int, QuestionBase]]) -> Iterator[tuple[int, Flag]]:
    """Case questions that sit apart in the file, open with a follow-on word, or say "finally"
    before the last. ``questions`` are (index in the file, question) in file order."""
    by_case: dict[str, list[tuple[int, QuestionBase]]] = {}
    for i, q in questions:
        if q.case is not None:
            by_case.setdefault(q.case, []).append((i, q))
    for case, members in by_case.items():
        indices = [i for i, _ in members]
        if indices != list(range(indices[0], indices[0] + len(indices))):
            yield (
                members[1][0],
                (
                    ("case",),
                    "case-order",
                    f"the questions of case '{case}' are not written together; a case is asked "
                    "whole, in the order written, so keep them in one run",
                ),
            )
        first_i, first = members[0]
        if len(members) > 1 and FOLLOW_ON.search(first.stem):
            yield (
                first_i,
                (
                    ("stem",),
                    "case-order",
                    f"the first question of case '{case}' reads as a follow-on; a case is asked "
                    "in its written order, so this would open it",
                ),
            )
        for i, q in members[:-1]:
            if LAST_ONLY.search(q.stem):
                yield (
                    i,
                    (
                        ("stem",),
                        "case-order",
                        f"says 'finally' but is not the last question of case '{case}'",
                    ),
                )
