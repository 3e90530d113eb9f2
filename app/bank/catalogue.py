"""Load every content file into one catalogue, keeping what is valid and listing what is not.

A broken file never stops the rest from loading: a file that cannot be parsed is skipped, a bad
question or quiz is left out on its own, and each problem is reported with its file and line. A
file stops being checked after ``MAX_PROBLEMS`` problems, and says where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from app.bank import forms, rules, writing
from app.bank.model import Catalogue, Entry
from app.bank.problems import Problem, field_name, from_validation_error
from app.bank.quizrules import quiz_rules, quiz_warnings
from app.bank.schema import (
    DRAFT_EXPLANATION,
    BankFile,
    BankHeader,
    Case,
    DraftQuestion,
    Question,
    QuestionBase,
    Quiz,
    QuizzesFile,
    SourcesFile,
    TopicsFile,
)
from app.bank.text import SourceIndex
from app.bank.yamlpos import Loc, Located, YamlError, load_file, load_text
from app.errors import ResurfaceError

__all__ = [
    "MAX_PROBLEMS",
    "STOPPED",
    "Catalogue",
    "ContentPathError",
    "Entry",
    "discover",
    "load",
    "source_index",
]

# Per file: past this many, a file is unlikely to be content at all, and a list of thousands of
# problems would cost more to build and show than it helps.
MAX_PROBLEMS = 100
STOPPED = (
    f"stopped checking this file after {MAX_PROBLEMS} problems; "
    "fix those first (what follows is not loaded)"
)
SPECIAL = {"topics.yaml": "topics", "sources.yaml": "sources", "quizzes.yaml": "quizzes"}
_QUESTION = TypeAdapter(Question)
_DRAFT = TypeAdapter(DraftQuestion)  # ``draft: true``: sources may be empty (app.interop imports)
_QUIZ = TypeAdapter(Quiz)


class ContentPathError(ResurfaceError):
    """A path given to the loader does not exist or holds no YAML files."""


def discover(paths: Iterable[Path]) -> dict[str, list[Path]]:
    """Sort content files by kind; topics and sources are looked up in parent folders if not given.

    Raises ContentPathError for a path that does not exist.
    """
    found: dict[str, list[Path]] = {"topics": [], "sources": [], "quizzes": [], "banks": []}
    given = list(paths)
    for path in given:
        if not path.exists():
            raise ContentPathError(f"no such file or folder: {path}")
        files = (
            sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
            if path.is_dir()
            else [path]
        )
        for f in files:
            kind = SPECIAL.get(f.name, "banks")
            if f not in found[kind]:
                found[kind].append(f)
    for kind in ("topics", "sources"):
        if not found[kind]:
            found[kind] = _look_up(f"{kind}.yaml", given)
    return found


def load(
    paths: Iterable[Path],
    sources_dir: Path | None = None,
    root: Path | None = None,
    *,
    texts: Mapping[Path, str] | None = None,
    index: SourceIndex | None = None,
) -> Catalogue:
    """Load and check all content under ``paths``; with ``sources_dir``, check quotes and own words.

    File names in problems are relative to ``root`` (default: the current folder) where possible.
    ``texts`` stands in for files on disk (by resolved path): how the editor checks a change
    before it writes it. ``index``: the source documents already read (else read from
    ``sources_dir``). Raises ContentPathError for a path that does not exist.
    """
    files = discover(paths)
    loader = _Loader(Catalogue(), root or Path.cwd(), texts or {})
    if index is None and sources_dir:
        index = source_index(sources_dir)
    loader.topics(files["topics"])
    loader.sources(files["sources"], index)
    for path in files["banks"]:
        loader.bank(path, index)
    loader.likeness()
    for path in files["quizzes"]:
        loader.quizzes(path)
    loader.cat.problems.sort()
    loader.cat.warnings.sort()
    return loader.cat


def source_index(folder: Path) -> SourceIndex:
    """The source documents of ``folder``. Raises ContentPathError if there is no such folder."""
    if not folder.is_dir():
        raise ContentPathError(f"sources folder not found: {folder}")
    return SourceIndex(
        {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))}
    )


def _draft_note(q: QuestionBase) -> str:
    """What the validator says of a draft (under its ``draft`` field): what is missing before
    quizzes may draw it."""
    missing = [] if q.sources else ["no citations yet"]
    if q.explanation == DRAFT_EXPLANATION:
        missing.append("no explanation yet")
    if not missing:
        return "cited; remove 'draft: true' so quizzes may draw it"
    return "; ".join(missing) + "; quizzes never draw it until its passages are cited"


def _look_up(name: str, given: list[Path]) -> list[Path]:
    for path in given:
        for folder in [path if path.is_dir() else path.parent, *path.resolve().parents][:4]:
            if (folder / name).is_file():
                return [folder / name]
    return []


class _Loader:
    def __init__(self, cat: Catalogue, root: Path, texts: Mapping[Path, str]) -> None:
        self.cat = cat
        self.root = root.resolve()
        self.texts = texts
        self.first_seen: dict[tuple[str, str], str] = {}  # (kind, id) -> "file:line"
        self.file_start = 0  # where the current file's problems begin in cat.problems
        self.stopped = False  # the current file has reported MAX_PROBLEMS

    def name(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)

    def problem(self, file: str, line: int, subject: str, loc: Loc, message: str) -> None:
        if not self.halted(file, line, subject):
            self.cat.problems.append(Problem(file, line, subject, field_name(loc), message))

    def warn(self, file: str, line: int, subject: str, loc: Loc, rule: str, message: str) -> None:
        self.cat.warnings.append(Problem(file, line, subject, field_name(loc), message, rule))

    def halted(self, file: str, line: int, subject: str) -> bool:
        """Whether the current file has reported ``MAX_PROBLEMS``; says so once, at ``line``."""
        if len(self.cat.problems) - self.file_start < MAX_PROBLEMS:
            return False
        if not self.stopped:
            self.stopped = True
            self.cat.problems.append(Problem(file, line, subject, "", STOPPED))
        return True

    def errors(
        self, exc: ValidationError, located: Located, file: str, subject: str, base: Loc = ()
    ) -> None:
        room = max(0, MAX_PROBLEMS - (len(self.cat.problems) - self.file_start))
        found = from_validation_error(exc, located, file, subject, base, limit=room + 1)
        for p in found:
            if self.halted(file, p.line, subject):
                break
            self.cat.problems.append(p)

    def parse(self, path: Path, model: type[BaseModel], subject: str) -> tuple[Any, Located] | None:
        file = self.name(path)
        self.file_start, self.stopped = len(self.cat.problems), False
        try:
            given = self.texts.get(path.resolve())
            located = load_file(path) if given is None else load_text(given)
        except YamlError as exc:
            self.problem(file, exc.line, subject, (), exc.message)
            return None
        except OSError as exc:
            self.problem(file, 1, subject, (), f"cannot read file: {exc.strerror}")
            return None
        if not isinstance(located.data, dict):
            self.problem(
                file,
                located.line_of(()),
                subject,
                (),
                "the file must be a mapping of keys and values",
            )
            return None
        try:
            return model.model_validate(located.data), located
        except ValidationError as exc:
            self.errors(exc, located, file, subject)
            return None

    def unique(self, kind: str, ident: str, file: str, line: int, subject: str, loc: Loc) -> bool:
        # Each definition is checked once, so any earlier one is another: two on one line (flow
        # style) are as much a duplicate as two on different lines.
        where = self.first_seen.get((kind, ident))
        if where is not None:
            self.problem(
                file, line, subject, loc, f"{kind} id '{ident}' is already used at {where}"
            )
            return False
        self.first_seen[(kind, ident)] = f"{file}:{line}"
        return True

    def topics(self, paths: list[Path]) -> None:
        for path in paths:
            parsed = self.parse(path, TopicsFile, "topics")
            if parsed:
                file, (data, located) = self.name(path), parsed
                for i, topic in enumerate(data.topics):
                    if self.unique(
                        "topic", topic.id, file, located.line_of(("topics", i)), topic.id, ("id",)
                    ):
                        self.cat.topics[topic.id] = topic

    def sources(self, paths: list[Path], index: SourceIndex | None) -> None:
        for path in paths:
            parsed = self.parse(path, SourcesFile, "sources")
            if not parsed:
                continue
            file, (data, located) = self.name(path), parsed
            for i, doc in enumerate(data.sources):
                line = located.line_of(("sources", i))
                if index is not None and doc.id not in index:
                    self.problem(
                        file, line, doc.id, ("id",), f"no file '{doc.id}.txt' in the sources folder"
                    )
                elif self.unique("source", doc.id, file, line, doc.id, ("id",)):
                    self.cat.sources[doc.id] = doc
            if index is not None:
                for missing in sorted(index.doc_ids - {d.id for d in data.sources}):
                    self.problem(
                        file,
                        1,
                        "sources",
                        (),
                        f"document '{missing}' is in the sources folder but not listed",
                    )

    def bank(self, path: Path, index: SourceIndex | None) -> None:
        parsed = self.parse(path, BankFile, "bank")
        if not parsed:
            return
        file, (data, located) = self.name(path), parsed
        header = data.bank
        if not self.unique(
            "bank", header.id, file, located.line_of(("bank", "id")), "bank", ("id",)
        ):
            return
        if self.cat.topics and header.topic not in self.cat.topics:
            self.problem(
                file,
                located.line_of(("bank", "topic")),
                "bank",
                ("topic",),
                f"unknown topic '{header.topic}' (not in topics.yaml)",
            )
            return
        self.cat.banks[header.id] = header
        cases: dict[str, Case] = {}
        for i, case in enumerate(data.cases):
            loc: Loc = ("cases", i)
            if not self.unique("case", case.id, file, located.line_of(loc), case.id, ("id",)):
                continue
            cases[case.id] = self.cat.cases[case.id] = case
            if index is not None:
                for where, msg in rules.own_words(iter([(("vignette",), case.vignette)]), index):
                    self.problem(file, located.line_of((*loc, *where)), case.id, where, msg)
        loaded: list[tuple[int, QuestionBase]] = []
        for i, raw in enumerate(data.questions):
            if self.halted(file, located.line_of(("questions", i)), "bank"):
                break
            q = self.question(raw, ("questions", i), header, cases, file, located, index)
            if q is not None:
                loaded.append((i, q))
        self.case_rules(loaded, file, located)
        skewed = writing.longest_key_share(q for _, q in loaded if q.drawable)
        if skewed:
            line = located.line_of(("bank", "id"))
            self.warn(file, line, "bank", (), "longest-key-share", skewed)

    def case_rules(
        self, loaded: list[tuple[int, QuestionBase]], file: str, located: Located
    ) -> None:
        """A case is drawn whole: its questions all secure or none; written together, in order."""
        secure: dict[str, set[bool]] = {}
        first: dict[str, int] = {}
        for i, q in loaded:
            if q.case is not None:
                secure.setdefault(q.case, set()).add(q.exam_only)
                first.setdefault(q.case, i)
        by_index = dict(loaded)
        for case, kinds in secure.items():
            if len(kinds) > 1:
                i = first[case]
                self.problem(
                    file,
                    located.line_of(("questions", i, "exam_only")),
                    by_index[i].id,
                    ("exam_only",),
                    f"case '{case}' mixes exam-only and practice questions; a case is drawn "
                    "whole, so mark all of its questions exam_only or none",
                )
        for i, (where, rule, message) in writing.case_flags(loaded):
            line = located.line_of(("questions", i, *where))
            self.warn(file, line, by_index[i].id, where, rule, message)

    def likeness(self) -> None:
        """Near-duplicate questions not declared variants, secure questions a practice question
        gives away, and variant groups of one. Retired questions and drafts are never drawn: not
        compared."""
        entries = [e for e in self.cat.entries.values() if e.question.drawable]
        texts = [writing.likeness_words(e.question) for e in entries]
        exposed: set[tuple[str, str]] = set()

        def expose(a: Entry, b: Entry, why: str, similarity: float) -> None:
            secure, other = (a, b) if a.question.exam_only else (b, a)
            pair = (secure.question.id, other.question.id)
            if pair not in exposed:
                exposed.add(pair)
                self.warn(
                    secure.file,
                    secure.line,
                    secure.question.id,
                    (),
                    "secure-exposed",
                    f"{why} the practice question '{other.question.id}' ({other.file}:"
                    f"{other.line}, similarity {similarity:.2f}): a trainee who practised it can "
                    "answer this secure question from memory; ask about another situation or "
                    "point, or drop one",
                )

        for hit in writing.near_duplicates(texts, writing.LIMITS.near_duplicate):
            a, b = entries[hit.first], entries[hit.second]
            qa, qb = a.question, b.question
            if qa.exam_only != qb.exam_only:
                expose(a, b, "nearly the same stem and key as", hit.similarity)
            elif not (qa.variant and qa.variant == qb.variant):
                self.warn(
                    b.file,
                    b.line,
                    qb.id,
                    (),
                    "near-duplicate",
                    f"nearly the same stem and key as '{qa.id}' ({a.file}:{a.line}, similarity "
                    f"{hit.similarity:.2f}); merge them, or declare one variant group so an "
                    "attempt never holds both",
                )
        keys = [writing.content_words(writing.key_text(e.question)) for e in entries]
        for hit in writing.near_duplicates(keys, writing.LIMITS.exposed_key):
            a, b = entries[hit.first], entries[hit.second]
            if a.question.exam_only != b.question.exam_only:
                expose(a, b, "its key says what the key of", hit.similarity)
        groups: dict[str, list[Entry]] = {}
        for e in entries:
            if e.question.variant:
                groups.setdefault(e.question.variant, []).append(e)
        for group, members in groups.items():
            if len(members) == 1:
                e = members[0]
                self.warn(
                    e.file,
                    e.line,
                    e.question.id,
                    ("variant",),
                    "variant-alone",
                    f"variant group '{group}' has no other question; drop the field or give "
                    "the group its other version",
                )

    def question(
        self,
        raw: Any,
        base: Loc,
        header: BankHeader,
        cases: dict[str, Case],
        file: str,
        located: Located,
        index: SourceIndex | None,
    ) -> QuestionBase | None:
        """Check one question; the question if it loaded, else None."""
        subject = (
            raw["id"]
            if isinstance(raw, dict) and isinstance(raw.get("id"), str)
            else field_name(base)
        )
        draft = isinstance(raw, dict) and raw.get("draft") is True
        try:
            q: QuestionBase = (_DRAFT if draft else _QUESTION).validate_python(raw)
        except ValidationError as exc:
            self.errors(exc, located, file, subject, base)
            return None
        found = rules.question_rules(q)
        known = set(self.cat.sources) if self.cat.sources else None
        found += rules.citation_rules(q, known, index)
        if index is not None:
            found += rules.own_words(rules.question_texts(q), index)
        if q.case is not None and q.case not in cases:
            found.append(
                (("case",), f"unknown case '{q.case}' (cases are defined at the top of the bank)")
            )
        for where, msg in found:
            self.problem(file, located.line_of((*base, *where)), q.id, where, msg)
        line = located.line_of(base)
        if self.unique("question", q.id, file, line, q.id, ("id",)) and not found:
            case = cases.get(q.case) if q.case else None
            self.cat.entries[q.id] = Entry(q, header.id, header.topic, case, file, line)
            for where, rule, msg in writing.question_flags(q):
                self.warn(file, located.line_of((*base, *where)), q.id, where, rule, msg)
            if q.draft:
                self.warn(file, line, q.id, ("draft",), "draft", _draft_note(q))
            return q
        return None

    def quizzes(self, path: Path) -> None:
        parsed = self.parse(path, QuizzesFile, "quizzes")
        if not parsed:
            return
        file, (data, located) = self.name(path), parsed
        units = forms.units(self.cat)
        for i, raw in enumerate(data.quizzes):
            base: Loc = ("quizzes", i)
            if self.halted(file, located.line_of(base), "quizzes"):
                break
            subject = (
                raw["id"]
                if isinstance(raw, dict) and isinstance(raw.get("id"), str)
                else field_name(base)
            )
            try:
                quiz: Quiz = _QUIZ.validate_python(raw)
            except ValidationError as exc:
                self.errors(exc, located, file, subject, base)
                continue
            before = len(self.cat.problems)
            pools = forms.line_pools(quiz, units)
            for at, where, msg in quiz_rules(quiz, self.cat.topics, self.cat.banks, pools):
                self.problem(file, located.line_of((*base, *at)), quiz.id, where, msg)
            for at, where, rule, msg in quiz_warnings(quiz, pools):
                self.warn(file, located.line_of((*base, *at)), quiz.id, where, rule, msg)
            line = located.line_of(base)
            if (
                self.unique("quiz", quiz.id, file, line, quiz.id, ("id",))
                and len(self.cat.problems) == before
            ):
                self.cat.quizzes[quiz.id] = quiz
