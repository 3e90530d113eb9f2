"""Between other systems' questions and our banks: imports land as drafts, exports carry citations.

Import: a format's reading (``app.interop.common.Item``) becomes a new bank file of drafts. Each
item is mapped to our question types (difficulty 2, since no format says one; the general
feedback as the explanation, or ``DRAFT_EXPLANATION``; the category's last part and the item's
tags as tags) and checked like any question; one that breaks a rule of ours (a single-answer
question with two options, a key with no right answer) is listed with the reason instead of
written. The new file is then loaded with the topics and sources as ``resurface validate`` would
load it, and written only if it brings no problem. Drafts have no citations: the validator names
each one, and quizzes never draw them until someone cites their passages and drops
``draft: true``.

Export: our questions become items, the explanation and the citations (``doc: "quote"``) as the
general feedback, option feedback kept, a case's vignette before its stem. Drafts and retired
questions are not exported, and that is reported.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import Engine

from app import clock
from app.accounts import User, require
from app.bank import rules
from app.bank.catalogue import load
from app.bank.editing import bank_files
from app.bank.model import Catalogue
from app.bank.problems import Problem
from app.bank.schema import DRAFT_EXPLANATION, ID_PATTERN, DraftQuestion
from app.bank.yamledit import new_bank
from app.interop import LABELS, guess, reader, writer
from app.interop.common import Choice, InteropError, Item, Reading, Skipped, Written
from app.interop.problems import Problems
from app.permissions import Action, acting
from app.store import audit as audit_store
from app.store.db import writing

DIFFICULTY = 2  # what an imported question is given: no format says how hard a question is
_DRAFT = TypeAdapter(DraftQuestion)
_ID = re.compile(ID_PATTERN)


@dataclass(frozen=True)
class Row:
    """One line of an import report: where in the file, what became of it, and why."""

    where: str
    outcome: str  # "draft <id>", "skipped", or "note"
    detail: str


@dataclass
class Plan:
    """An import, read and checked but not written: the new bank's text and the report."""

    source: str  # the file's name
    fmt: str
    bank: str
    title: str
    topic: str
    path: Path  # where the bank file goes
    replaces: bool  # an existing file of this bank is replaced
    text: str  # the new bank file
    imported: list[tuple[str, Item]] = field(default_factory=list)  # (new id, item)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # what refuses the write
    warnings: list[Problem] = field(default_factory=list)  # the validator's notes on the drafts

    def refusal(self) -> str | None:
        """Why this bank cannot be written, or None."""
        if not self.imported:
            return f"nothing in {self.source} can be imported: every question was skipped"
        if self.problems:
            return "; ".join(str(p) for p in self.problems[:5])
        return None

    def rows(self) -> list[Row]:
        """The report, question by question, in file order: what became of each."""
        out = [Row(item.where, f"draft {qid}", _kind(item)) for qid, item in self.imported]
        out += [Row(s.where, "skipped", s.reason) for s in self.skipped]
        out += [
            Row(f"{p.file}:{p.line}", "problem", f"{p.subject}: {p.message}") for p in self.problems
        ]
        return sorted(out, key=lambda r: _order(r.where))

    def summary(self) -> str:
        verb = "replaces" if self.replaces else "new file"
        return (
            f"{len(self.imported)} question(s) from {self.source} "
            f"({LABELS.get(self.fmt, self.fmt)}) "
            f"as drafts in bank '{self.bank}' ({self.path.name}, {verb}); "
            f"{len(self.skipped)} skipped"
        )


def _order(where: str) -> tuple[int, str]:
    found = re.search(r"\d+", where)
    return (int(found.group()) if found else 0, where)


def _kind(item: Item) -> str:
    label = {"single": "single answer", "multiple": "multiple answers"}.get(item.kind, item.kind)
    return label.replace("_", "/") + (f" — {item.name}" if item.name else "")


# --- import -------------------------------------------------------------------------------------


def slug(text: str) -> str | None:
    """``text`` as one of our ids (lowercase words joined by hyphens), or None if none is left."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    out = "-".join(words)[:64].strip("-")
    if out and not out[0].isalpha():
        out = f"t-{out}"[:64].strip("-")
    return out if out and _ID.match(out) else None


def question_fields(item: Item, qid: str) -> dict[str, Any]:
    """An item as a draft question of ours, in the bank file's key order."""
    tags: list[str] = []
    for raw in [*(item.category.split("/")[-1:] if item.category else []), *item.tags]:
        tag = slug(raw)
        if tag and tag not in tags:
            tags.append(tag)
    fields: dict[str, Any] = {
        "id": qid,
        "type": item.kind,
        "difficulty": DIFFICULTY,
        "draft": True,
        "stem": item.stem,
    }
    if item.kind in ("single", "multiple"):
        fields["options"] = [
            {"text": c.text, "correct": c.correct}
            | ({"feedback": c.feedback} if c.feedback else {})
            for c in item.choices
        ]
    elif item.kind == "true_false":
        fields["answer"] = bool(item.answer)
    else:
        fields["pairs"] = [{"left": left, "right": right} for left, right in item.pairs]
    fields["explanation"] = item.general_feedback or DRAFT_EXPLANATION
    if tags:
        fields["tags"] = tags
    return fields


def _refusals(fields: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    """Why a question cannot be one of ours: each rule it breaks, with the field's path in the
    question (("options", 2, "text"), say); none if it can."""
    try:
        q = _DRAFT.validate_python(fields)
    except ValidationError as exc:
        err = exc.errors()[0]
        path = tuple(err["loc"][1:])
        return [(path, f"{'.'.join(str(p) for p in path) or 'question'}: {err['msg']}")]
    return [(tuple(path), msg) for path, msg in rules.question_rules(q)]


def plan_import(
    content: Path,
    data: bytes,
    name: str,
    bank: str,
    topic: str,
    *,
    fmt: str | None = None,
    title: str | None = None,
    replace: bool = False,
    sources_dir: Path | None = None,
) -> Plan:
    """Read ``data`` and make the bank it would become, with its report; nothing is written.

    Raises InteropError (the file cannot be read at all, or the bank id is not an id).
    """
    if not _ID.match(bank) or len(bank) > 50:
        raise InteropError(
            f"'{bank}' is not a bank id: lowercase letters, digits and single hyphens, "
            "starting with a letter"
        )
    fmt = fmt or guess(name, data)
    reading: Reading = reader(fmt)(data, name)
    existing = bank_files(content).get(bank)
    path = existing or content / "banks" / f"{bank}.yaml"
    plan = Plan(name, fmt, bank, title or bank, topic, path, existing is not None, "")
    plan.skipped = list(reading.skipped)
    questions: list[dict[str, Any]] = []
    refused: list[str] = []
    for item in reading.items:
        qid = f"{bank}-{len(questions) + 1:03d}"
        fields = question_fields(item, qid)
        found = _refusals(fields)
        if found and reading.column is not None:  # a spreadsheet: by row and column
            for where, why in found:
                column = reading.column(where)
                refused.append(f"{item.where}{f', column {column}' if column else ''}: {why}")
            continue
        if found:
            plan.skipped.append(Skipped(item.where, "; ".join(why for _, why in found)))
            continue
        questions.append(fields)
        plan.imported.append((qid, item))
    if refused:
        raise Problems(refused)
    note = (
        f"Imported from {name} ({LABELS.get(fmt, fmt)}) on {clock.now():%Y-%m-%d}. Every question "
        f"is a draft (difficulty {DIFFICULTY}): quizzes never draw it until its passages are "
        "cited under sources: and its draft: true line is removed."
    )
    header = {"id": bank, "title": plan.title, "topic": topic}
    plan.text = new_bank(header, questions, _wrap(note)) if questions else ""
    if existing is not None and not replace:
        plan.problems.append(
            Problem(
                _rel(content, existing),
                1,
                "bank",
                "id",
                f"bank '{bank}' already exists; choose another id, or replace it",
            )
        )
    elif existing is None and path.exists():
        plan.problems.append(
            Problem(_rel(content, path), 1, "bank", "", "a file of this name exists already")
        )
    if questions:
        _check(plan, content, sources_dir)
    return plan


def _wrap(text: str, width: int = 98) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


def _rel(content: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(content.resolve()).as_posix()
    except ValueError:
        return str(path)


def _check(plan: Plan, content: Path, sources_dir: Path | None) -> None:
    """Load the new bank with the content's topics and sources, as ``resurface validate`` would,
    and keep the problems it has (an unknown topic, text copied from a source)."""
    with tempfile.TemporaryDirectory(prefix="resurface-import-") as tmp:
        root = Path(tmp)
        for name in ("topics.yaml", "sources.yaml"):
            if (content / name).is_file():
                shutil.copy(content / name, root / name)
        (root / "banks").mkdir()
        (root / "banks" / plan.path.name).write_text(plan.text, encoding="utf-8")
        cat = load([root], sources_dir=sources_dir, root=root)
    shown = _rel(content, plan.path)
    for p in cat.problems:
        plan.problems.append(Problem(shown, p.line, p.subject, p.field, p.message, p.rule))
    for p in cat.warnings:
        plan.warnings.append(Problem(shown, p.line, p.subject, p.field, p.message, p.rule))


def write_bank(plan: Plan) -> None:
    """Write the planned bank: a new file created only if still absent, a replaced one swapped
    in whole. Raises InteropError if the plan is refused or the file appeared meanwhile."""
    why = plan.refusal()
    if why:
        raise InteropError(why)
    plan.path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=plan.path.parent, prefix=f".{plan.path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(plan.text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        if plan.replaces:
            os.replace(temp, plan.path)
        else:
            try:
                os.link(temp, plan.path)  # fails if the file was created meanwhile
            except FileExistsError:
                raise InteropError(
                    f"{plan.path.name} was created meanwhile; read the file again"
                ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def commit(engine: Engine, actor: User | None, plan: Plan, now: datetime | None = None) -> None:
    """Write the planned bank for ``actor`` (the Import page's user; None: the console, for
    ``resurface import``): the actor re-read and allowed to edit content inside the transaction,
    one audit line (``content.import``), the file last. Raises Forbidden, InteropError."""
    from app.contentedit import editor  # the content editors' rule, asked where it lives

    now = now or clock.now()
    written = False
    try:
        with writing(engine) as conn:
            user = editor(conn, actor)
            require(acting(user), Action.EDIT_CONTENT)
            audit_store.record(
                conn,
                now,
                user.id if user else None,
                "content.import",
                plan.bank,
                file=plan.path.name,
                source=plan.source,
                format=plan.fmt,
                questions=len(plan.imported),
                skipped=len(plan.skipped),
                replaced=plan.replaces,
            )
            before = plan.path.read_bytes() if plan.replaces else None
            write_bank(plan)
            written = True
    except BaseException:
        if written:  # the audit line did not commit: the file goes back as it was
            if before is None:
                plan.path.unlink(missing_ok=True)
            else:
                plan.path.write_bytes(before)
        raise


# --- export -------------------------------------------------------------------------------------


def general_feedback(cat: Catalogue, qid: str) -> str:
    """The explanation, then the citations, one a line: ``doc: "quote"`` (the title after)."""
    q = cat.entries[qid].question
    lines = []
    for ref in q.sources:
        doc = cat.sources.get(ref.doc)
        lines.append(f'{ref.doc}: "{ref.quote}"' + (f" ({doc.title})" if doc else ""))
    return q.explanation + ("\n\nSources:\n" + "\n".join(lines) if lines else "")


def items_of(cat: Catalogue, banks: Sequence[str] = ()) -> tuple[list[Item], list[Skipped]]:
    """Our questions of ``banks`` (all banks if none) as items, and what was not taken.

    Raises InteropError for a bank that does not exist.
    """
    unknown = [b for b in banks if b not in cat.banks]
    if unknown:
        raise InteropError(
            f"no bank {', '.join(unknown)} (banks: {', '.join(cat.banks) or 'none'})"
        )
    wanted = set(banks or cat.banks)
    items: list[Item] = []
    left_out: list[Skipped] = []
    for qid, entry in cat.entries.items():
        if entry.bank not in wanted:
            continue
        q = entry.question
        where = f"{entry.file}:{entry.line}"
        if q.retired:
            left_out.append(Skipped(qid, "retired: not exported"))
            continue
        if q.draft:
            left_out.append(Skipped(qid, "draft: not exported until its passages are cited"))
            continue
        header = cat.banks[entry.bank]
        choices = tuple(Choice(o.text, o.correct, o.feedback) for o in getattr(q, "options", []))
        items.append(
            Item(
                kind=q.type,  # type: ignore[arg-type]
                stem=q.stem,
                where=where,
                name=qid,
                choices=choices,
                answer=getattr(q, "answer", None),
                pairs=tuple((p.left, p.right) for p in getattr(q, "pairs", [])),
                general_feedback=general_feedback(cat, qid),
                category=f"Resurface/{header.title.replace('/', '-')}",
                tags=tuple(q.tags),
                ident=qid,
                vignette=entry.case.vignette if entry.case else None,
            )
        )
    return items, left_out


def export(
    cat: Catalogue, fmt: str, banks: Sequence[str] = (), title: str | None = None
) -> Written:
    """The questions of ``banks`` in format ``fmt``, with everything it could not hold listed.

    Raises InteropError (no such format or bank, nothing to export).
    """
    write = writer(fmt)
    items, left_out = items_of(cat, banks)
    if not items:
        raise InteropError("no question to export: every one is a draft or retired")
    written = write(items, title or "Resurface: " + ", ".join(banks or ["all banks"]))
    written.left_out[:0] = left_out
    return written
