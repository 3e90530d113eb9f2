"""The shape of every content file: topics, sources, question banks and quiz definitions.

Structure only (types, required and unknown keys, ranges); rules that need more than one field or
more than one file live in ``rules.py``, where they can say exactly what is wrong.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

ID_PATTERN = r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$"
QUESTION_TYPES = ("single", "multiple", "true_false", "matching")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Ident = Annotated[str, StringConstraints(pattern=ID_PATTERN, max_length=64)]
DocId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=128)]


class Strict(BaseModel):
    """Unknown keys are errors and values are never coerced (``"yes"`` is not a boolean)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Topic(Strict):
    id: Ident
    title: Text
    description: Text | None = None


class TopicsFile(Strict):
    topics: list[Topic] = Field(min_length=1)


class SourceDoc(Strict):
    id: DocId
    title: Text
    summary: Text


class SourcesFile(Strict):
    sources: list[SourceDoc] = Field(min_length=1)


class SourceRef(Strict):
    doc: DocId
    quote: Text


class Option(Strict):
    text: Text
    correct: bool = False
    feedback: Text | None = None


class Pair(Strict):
    left: Text
    right: Text


class QuestionBase(Strict):
    if TYPE_CHECKING:
        # Each concrete type declares its own Literal tag; pydantic must not see a base field.
        type: str
    id: Ident
    difficulty: Annotated[int, Field(ge=1, le=3)]
    stem: Text
    explanation: Text
    sources: list[SourceRef] = Field(min_length=1)
    tags: list[Ident] = Field(default_factory=list)
    case: Ident | None = None
    # Secure items: drawn only by certifying exams, never shown with their key before a pass.
    exam_only: bool = False
    # Questions sharing a variant group ask the same thing; an attempt holds at most one of them.
    variant: Ident | None = None
    # Retired: never drawn again (app.bank.forms), still read in old attempts through their
    # snapshots; kept in the file so its history and statistics stay readable.
    retired: bool = False
    # Draft: imported from another format (app.interop) and not yet cited. A draft may have no
    # sources; the validator reports it and it is never drawn, until someone cites its passages
    # and removes the flag.
    draft: bool = False

    @property
    def drawable(self) -> bool:
        """Whether quizzes may draw it: not retired and not a draft."""
        return not (self.retired or self.draft)


class SingleQuestion(QuestionBase):
    type: Literal["single"]
    options: list[Option]


class MultipleQuestion(QuestionBase):
    type: Literal["multiple"]
    options: list[Option]


class TrueFalseQuestion(QuestionBase):
    type: Literal["true_false"]
    answer: bool


class MatchingQuestion(QuestionBase):
    type: Literal["matching"]
    pairs: list[Pair]


Question = Annotated[
    SingleQuestion | MultipleQuestion | TrueFalseQuestion | MatchingQuestion,
    Field(discriminator="type"),
]

# What an imported question without general feedback is given as its explanation; the validator
# names it in the draft's warning.
DRAFT_EXPLANATION = "No explanation yet: write one from the passages you cite."


class _Draft(BaseModel):
    """A draft may be saved before its passages are cited (``draft: true``)."""

    sources: list[SourceRef] = Field(default_factory=list)


class DraftSingle(_Draft, SingleQuestion):
    pass


class DraftMultiple(_Draft, MultipleQuestion):
    pass


class DraftTrueFalse(_Draft, TrueFalseQuestion):
    pass


class DraftMatching(_Draft, MatchingQuestion):
    pass


DraftQuestion = Annotated[
    DraftSingle | DraftMultiple | DraftTrueFalse | DraftMatching,
    Field(discriminator="type"),
]


class BankHeader(Strict):
    id: Ident
    title: Text
    topic: Ident
    description: Text | None = None


class Case(Strict):
    id: Ident
    title: Text
    vignette: Text


class BankFile(Strict):
    """A bank file; questions stay raw here and are validated one by one, so one bad question
    is reported with its own id and does not hide the rest."""

    bank: BankHeader
    cases: list[Case] = Field(default_factory=list)
    questions: list[Any] = Field(min_length=1)


class Draw(Strict):
    """One line of a quiz blueprint: ``count`` questions matching every selector given."""

    topic: Ident | None = None
    bank: Ident | None = None
    tags: list[Ident] | None = Field(default=None, min_length=1)
    count: Annotated[int, Field(ge=1)]

    @model_validator(mode="after")
    def _needs_a_selector(self) -> Draw:
        if self.topic is None and self.bank is None and self.tags is None:
            raise ValueError("a draw needs at least one of topic, bank or tags")
        return self


class Span(Strict):
    """How many of something a form may hold: at least ``min``, at most ``max``."""

    min: Annotated[int, Field(ge=0)] = 0
    max: Annotated[int, Field(ge=0)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.max is not None and self.max < self.min:
            raise ValueError(f"max ({self.max}) is below min ({self.min})")
        return self

    def holds(self, n: int) -> bool:
        return self.min <= n and (self.max is None or n <= self.max)


class Level(Span):
    """How many questions of one difficulty a form may hold."""

    level: Annotated[int, Field(ge=1, le=3)]


class Balance(Strict):
    """Per-form limits beyond the draw lines: questions per difficulty, per type, and cases."""

    difficulty: list[Level] = Field(default_factory=list)
    types: dict[Literal["single", "multiple", "true_false", "matching"], Span] = Field(
        default_factory=dict
    )
    cases: Span | None = None

    @model_validator(mode="after")
    def _one_line_a_level(self) -> Balance:
        levels = [d.level for d in self.difficulty]
        twice = sorted({n for n in levels if levels.count(n) > 1})
        if twice:
            raise ValueError(f"difficulty {twice[0]} is limited twice")
        return self


class Certifies(Strict):
    name: Text
    valid_months: Annotated[int, Field(ge=1, le=120)]


class Quiz(Strict):
    id: Ident
    title: Text
    description: Text
    mode: Literal["practice", "exam"]
    draw: list[Draw] = Field(min_length=1)
    shuffle_questions: bool = True
    shuffle_options: bool = True
    time_limit_minutes: Annotated[int, Field(ge=1, le=600)] | None = None
    pass_mark: Annotated[float, Field(ge=0, le=100)]
    max_attempts: Annotated[int, Field(ge=1)] | None = None
    feedback: Literal["immediate", "on_submit"] = "on_submit"
    review: Literal["score_only", "mistakes", "full"] = "full"
    scoring: Literal["all_or_nothing", "partial"] = "all_or_nothing"
    certifies: Certifies | None = None
    balance: Balance | None = None


class QuizzesFile(Strict):
    quizzes: list[Any] = Field(min_length=1)
