"""Text normalisation for matching quotes against sources and spotting copied sentences."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

_CURLY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[a-z0-9]+")

OWN_WORDS_RUN = 12


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``plural(1, "quiz", "quizzes")`` -> ``1 quiz``; ``plural(2, "bank")`` -> ``2 banks``."""
    return f"{n} {noun if n == 1 else many or noun + 's'}"


def normalize(text: str) -> str:
    """Fold case, curly quotes and runs of whitespace, the differences a quote may have."""
    return _SPACE.sub(" ", text.translate(_CURLY)).strip().casefold()


def words(text: str) -> list[str]:
    """The words of ``text`` for copy detection; apostrophes vanish so "you'll" == "youll"."""
    return _WORD.findall(normalize(text).replace("'", ""))


@dataclass(frozen=True)
class Copied:
    """A run of words that a text shares with a source document."""

    doc: str
    run: str


@dataclass(frozen=True)
class Passage:
    """Where a quote sits in a document: ``text[start:end]``; ``exact`` if it is there word for
    word (case, quotes and spacing aside), else the nearest passage and the share of the
    quote's words it holds."""

    start: int
    end: int
    exact: bool
    similarity: float


_TOKEN = re.compile(r"[A-Za-z0-9]+")


def passage(text: str, quote: str) -> Passage | None:
    """The passage of ``text`` that ``quote`` cites, or the nearest one (None: no word shared)."""
    folded = text.translate(_CURLY)
    tokens = _TOKEN.findall(quote.translate(_CURLY))
    if not tokens:
        return None
    found = re.search(r"[^A-Za-z0-9]+".join(map(re.escape, tokens)), folded, re.IGNORECASE)
    if found:
        return Passage(found.start(), found.end(), True, 1.0)
    spans = [(m.start(), m.end(), m.group(0).casefold()) for m in _TOKEN.finditer(folded)]
    want = Counter(t.casefold() for t in tokens)
    size = len(tokens)
    best, best_at = 0, 0
    window: Counter[str] = Counter()
    for i, (_, _, word) in enumerate(spans):
        window[word] += 1
        if i >= size:
            window[spans[i - size][2]] -= 1
        shared = sum(min(n, window[w]) for w, n in want.items())
        if shared > best:
            best, best_at = shared, max(i - size + 1, 0)
    if best == 0:
        return None
    last = min(best_at + size, len(spans)) - 1
    return Passage(spans[best_at][0], spans[last][1], False, best / size)


class SourceIndex:
    """The source documents, for quote look-ups and for the own-words rule."""

    def __init__(self, docs: dict[str, str], run: int = OWN_WORDS_RUN) -> None:
        self.run = run
        self.texts = dict(docs)  # as written, for showing a citation in its document
        self._normalized = {doc: normalize(text) for doc, text in docs.items()}
        self._runs: dict[tuple[str, ...], str] = {}
        for doc, text in docs.items():
            w = words(text)
            for i in range(len(w) - run + 1):
                self._runs.setdefault(tuple(w[i : i + run]), doc)

    def __contains__(self, doc: str) -> bool:
        return doc in self._normalized

    @property
    def doc_ids(self) -> set[str]:
        return set(self._normalized)

    def has_quote(self, doc: str, quote: str) -> bool:
        """Whether ``quote`` appears in ``doc`` once case, quotes and whitespace are folded."""
        return normalize(quote) in self._normalized.get(doc, "")

    def copied(self, text: str) -> Copied | None:
        """The first run of ``run`` consecutive words that ``text`` shares with a source."""
        w = words(text)
        for i in range(len(w) - self.run + 1):
            key = tuple(w[i : i + self.run])
            if key in self._runs:
                end = i + self.run
                while end < len(w) and tuple(w[end - self.run + 1 : end + 1]) in self._runs:
                    end += 1
                return Copied(self._runs[key], " ".join(w[i:end]))
        return None
