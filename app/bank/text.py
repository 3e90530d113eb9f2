"""Text normalisation for matching quotes against sources and spotting copied sentences."""

from __future__ import annotations

import re
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


class SourceIndex:
    """The source documents, for quote look-ups and for the own-words rule."""

    def __init__(self, docs: dict[str, str], run: int = OWN_WORDS_RUN) -> None:
        self.run = run
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
