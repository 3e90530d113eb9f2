"""What loading produces: a catalogue of the content that loaded cleanly, one entry a question."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.bank.problems import Problem
from app.bank.schema import BankHeader, Case, QuestionBase, Quiz, SourceDoc, Topic


@dataclass(frozen=True)
class Entry:
    """A valid question with the bank it came from and where it is written."""

    question: QuestionBase
    bank: str
    topic: str
    case: Case | None
    file: str
    line: int

    def to_json(self) -> dict[str, Any]:
        """The question as a plain object, the shape ``resurface banks --json`` prints."""
        out: dict[str, Any] = {"id": self.question.id, "bank": self.bank, "topic": self.topic}
        # ``draft`` only when true: the shape stays what it was for every cited question.
        out |= self.question.model_dump(
            mode="json", exclude={"id"} if self.question.draft else {"id", "draft"}
        )
        out["case"] = self.case.model_dump(mode="json") if self.case else None
        return out


@dataclass
class Catalogue:
    """Everything that loaded cleanly, plus every problem found on the way."""

    topics: dict[str, Topic] = field(default_factory=dict)
    sources: dict[str, SourceDoc] = field(default_factory=dict)
    banks: dict[str, BankHeader] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    quizzes: dict[str, Quiz] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # item-writing flaws (app.bank.writing)

    @property
    def ok(self) -> bool:
        return not self.problems
