"""Editing questions in place: open one, check a change against the whole catalogue, write it.

The YAML files stay the one source of truth. A change is made to the file's text with
``app.bank.yamledit`` (comments, order and layout kept), then the whole content folder is loaded
and checked with that text standing in for the file (``app.bank.catalogue.load``, exactly what
``resurface validate`` runs), and only then written: to a temporary file in the same folder,
renamed over the old one, while holding a lock on it and after checking that nobody changed the
file since the editor opened it (its SHA-256 then and now).

What refuses a save (``Proposal.refusal``): any problem the change brings (a problem the content
already had elsewhere is not the editor's to fix, and is shown apart), and any item-writing
warning it brings unless the editor confirms it: CI validates the shipped banks strictly, so a
new warning is a failure there, but a trainer fixing a wrong key should not be stopped by a
style flag they decide to keep.

No database and no permissions here: ``app.contentedit`` does those.
"""

from __future__ import annotations

import contextlib
import difflib
import fcntl
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.bank import yamledit
from app.bank.catalogue import discover, load
from app.bank.model import Catalogue
from app.bank.problems import Problem
from app.bank.schema import QUESTION_TYPES
from app.bank.text import SourceIndex
from app.bank.yamledit import YamlEditError
from app.bank.yamlpos import YamlError, decode, load_text
from app.errors import ResurfaceError

KINDS = ("edit", "create", "retire", "restore", "move", "quiz")
QUIZZES_FILE = "quizzes.yaml"


class EditError(ResurfaceError):
    """A change cannot be made: no such question or bank, an id taken or changed."""


class Stale(EditError):
    """The file changed on disk since the editor opened it; ``file`` and ``mtime`` say which and
    when (the caller adds who, from the audit log)."""

    def __init__(self, file: str, mtime: datetime, digest: str) -> None:
        super().__init__(f"{file} changed on disk since you opened it")
        self.file = file
        self.mtime = mtime
        self.digest = digest


class Refused(EditError):
    """The change would break the content (its problems), or brings warnings not confirmed."""


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Opened:
    """A question as the editor opened it, with the file it is in and that file's digest then.

    ``qid`` None: a new question, to be added to ``file``.
    """

    qid: str | None
    file: str  # relative to the content folder, with / ("banks/aftercare.yaml")
    bank: str
    digest: str
    fields: Mapping[str, Any]


@dataclass(frozen=True)
class FileChange:
    name: str
    digest: str  # of the text the change was made to
    before: str
    after: str


@dataclass(frozen=True)
class Proposal:
    """A change made in memory and checked; nothing written yet."""

    qid: str
    kind: str
    files: tuple[FileChange, ...]
    catalogue: Catalogue  # the whole content with the change
    problems: list[Problem]  # problems the change brings
    warnings: list[Problem]  # item-writing warnings the change brings
    kept: list[Problem] = field(default_factory=list)  # problems already there elsewhere
    changed: tuple[str, ...] = ()  # the question's fields that change

    def diff(self) -> str:
        """A unified diff of every file, as ``git diff`` would show it."""
        return "".join(
            "".join(
                difflib.unified_diff(
                    f.before.splitlines(keepends=True),
                    f.after.splitlines(keepends=True),
                    f"a/{f.name}",
                    f"b/{f.name}",
                    n=2,
                )
            )
            for f in self.files
        )

    def about(self) -> tuple[list[Problem], list[Problem]]:
        """The problems and warnings (all of them, new or not) that concern this question."""
        cat = self.catalogue
        return (
            [p for p in cat.problems if p.subject == self.qid],
            [w for w in cat.warnings if w.subject == self.qid],
        )

    def refusal(self, confirm_warnings: bool = False) -> str | None:
        """Why this change may not be saved, or None."""
        if self.problems:
            listed = "; ".join(str(p) for p in self.problems[:5])
            more = len(self.problems) - 5
            return f"the change would break the content: {listed}" + (
                f" (and {more} more)" if more > 0 else ""
            )
        if self.warnings and not confirm_warnings:
            listed = "; ".join(str(w) for w in self.warnings[:5])
            return (
                f"the change brings item-writing warnings ({listed}); `resurface validate "
                "--strict` would fail. Fix them, or confirm that you save with them"
            )
        if not any(f.before != f.after for f in self.files):
            return "nothing changed"
        return None


# --- reading ------------------------------------------------------------------------------------


def bank_files(content: Path) -> dict[str, Path]:
    """Each bank's id and its file, in file order (files that do not parse are left out)."""
    out: dict[str, Path] = {}
    for path in discover([content])["banks"]:
        try:
            data = load_text(decode(path.read_bytes())).data
        except (YamlError, OSError):
            continue
        bank = data.get("bank") if isinstance(data, dict) else None
        if isinstance(bank, dict) and isinstance(bank.get("id"), str):
            out.setdefault(bank["id"], path)
    return out


def _name(content: Path, path: Path) -> str:
    return path.resolve().relative_to(content.resolve()).as_posix()


def _read(path: Path) -> tuple[str, str]:
    raw = path.read_bytes()
    try:
        return decode(raw), digest(raw)
    except YamlError as exc:
        raise EditError(f"{path.name}: {exc.message}") from None


def _find(content: Path, qid: str) -> tuple[str, Path, str, dict[str, Any]]:
    """The bank, file, text and fields of question ``qid``. Raises EditError."""
    for bank, path in bank_files(content).items():
        text, _ = _read(path)
        try:
            found = yamledit.question_of(text, qid)
        except YamlEditError:
            continue
        if found is not None:
            return bank, path, text, found
    raise EditError(f"no question '{qid}' in the banks")


def open_question(content: Path, qid: str) -> Opened:
    """The question as written, and its file's digest now. Raises EditError."""
    bank, path, _, found = _find(content, qid)
    _, now = _read(path)
    return Opened(qid, _name(content, path), bank, now, found)


def template(kind: str = "single") -> dict[str, Any]:
    """The fields of a new question of type ``kind``, to be filled in."""
    base: dict[str, Any] = {"id": "", "type": kind, "difficulty": 1, "stem": ""}
    if kind in ("single", "multiple"):
        base["options"] = [{"text": "", "correct": True}, *({"text": ""} for _ in range(3))]
    elif kind == "true_false":
        base["answer"] = True
    elif kind == "matching":
        base["pairs"] = [{"left": "", "right": ""} for _ in range(3)]
    else:
        raise EditError(f"question type must be one of {', '.join(QUESTION_TYPES)}")
    return base | {"explanation": "", "sources": [{"doc": "", "quote": ""}], "tags": []}


def new_question(content: Path, bank: str, kind: str = "single") -> Opened:
    """A blank question to be added at the end of ``bank``'s file. Raises EditError."""
    path = bank_files(content).get(bank)
    if path is None:
        raise EditError(f"no bank '{bank}'")
    _, now = _read(path)
    return Opened(None, _name(content, path), bank, now, template(kind))


# --- a change, checked ------------------------------------------------------------------------


def clean(value: Any) -> Any:
    """What was typed, as it is to be written: text stripped, empty optional text left out."""
    if isinstance(value, Mapping):
        out = {}
        for k, v in value.items():
            v = clean(v)
            if v == "" and k in ("feedback", "variant", "case"):
                v = None
            out[str(k)] = v
        return out
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, str):
        return value.strip()
    return value


def _same_problem(p: Problem) -> tuple[str, ...]:
    """A problem without its line numbers: an edit moves the lines below it."""
    message = re.sub(r"(\.ya?ml):\d+", r"\1", p.message)
    return (p.file, p.subject, p.field, message, p.rule)


def propose(
    content: Path,
    opened: Opened,
    fields: Mapping[str, Any],
    bank: str | None = None,
    *,
    index: SourceIndex | None = None,
    baseline: Catalogue | None = None,
) -> Proposal:
    """Make the change in memory and check the whole catalogue with it.

    ``fields``: the question as it should be; ``bank``: the bank it should be in (its topic is
    the bank's), if not the one it was opened in. ``baseline``: the content as loaded from disk
    with the same root (``content``'s parent) and sources, to tell new problems from old.
    Raises Stale (the file is no longer what was opened), EditError.
    """
    new = yamledit.without_defaults(clean(fields))
    qid = new.get("id")
    if not isinstance(qid, str):
        raise EditError("a question needs an id")
    if opened.qid is not None and qid != opened.qid:
        raise EditError(
            f"a question's id cannot change (attempts and statistics are kept by it): retire "
            f"'{opened.qid}' and create '{qid}' instead"
        )
    files = bank_files(content)
    source = content / opened.file
    text, now = _read(source)
    if now != opened.digest:
        raise Stale(opened.file, _mtime(source), now)
    target_bank = bank or opened.bank
    target = files.get(target_bank)
    if target is None:
        raise EditError(f"no bank '{target_bank}'")
    changes: list[FileChange] = []
    try:
        if opened.qid is None:
            if target.resolve() != source.resolve():
                raise EditError("a new question is added to the bank it was opened for")
            _not_taken(content, qid)
            changes.append(FileChange(opened.file, now, text, yamledit.append_question(text, new)))
            kind, changed = "create", tuple(new)
        else:
            before = yamledit.question_of(text, opened.qid)
            if before is None:
                raise EditError(f"no question '{opened.qid}' in {opened.file}")
            changed = tuple(
                k for k in dict.fromkeys([*before, *new]) if before.get(k) != new.get(k)
            )
            kind = _kind(before, new)
            if target.resolve() == source.resolve():
                after = yamledit.replace_question(text, opened.qid, new)
                changes.append(FileChange(opened.file, now, text, after))
            else:
                if new.get("case"):
                    raise EditError(
                        "a question of a case stays in the case's bank; take it out of the case "
                        "first"
                    )
                other, other_digest = _read(target)
                changes.append(
                    FileChange(opened.file, now, text, yamledit.remove_question(text, opened.qid))
                )
                changes.append(
                    FileChange(
                        _name(content, target),
                        other_digest,
                        other,
                        yamledit.append_question(other, new),
                    )
                )
                kind, changed = "move", (*changed, "bank")
    except YamlEditError as exc:
        raise EditError(f"{opened.file}: {exc}") from None
    for change in changes:
        _faithful(change, qid, new)
    return _checked(content, qid, kind, changes, changed, index, baseline)


def open_quizzes(content: Path) -> str:
    """The digest of quizzes.yaml now: what a change to a quiz is made against. Raises EditError."""
    path = content / QUIZZES_FILE
    if not path.is_file():
        raise EditError(f"no {QUIZZES_FILE} in {content}")
    return _read(path)[1]


def propose_quiz_value(
    content: Path,
    opened_digest: str,
    quiz_id: str,
    key: str,
    value: Any,
    *,
    index: SourceIndex | None = None,
    baseline: Catalogue | None = None,
) -> Proposal:
    """Set one value of one quiz in memory and check the whole catalogue with it, as
    ``propose`` does for a question. Raises Stale, EditError."""
    source = content / QUIZZES_FILE
    text, now = _read(source)
    if now != opened_digest:
        raise Stale(QUIZZES_FILE, _mtime(source), now)
    try:
        after = yamledit.set_quiz_value(text, quiz_id, key, value)
    except YamlEditError as exc:
        raise EditError(f"{QUIZZES_FILE}: {exc}") from None
    change = FileChange(QUIZZES_FILE, now, text, after)
    return _checked(content, quiz_id, "quiz", [change], (key,), index, baseline)


def _checked(
    content: Path,
    subject: str,
    kind: str,
    changes: list[FileChange],
    changed: tuple[str, ...],
    index: SourceIndex | None,
    baseline: Catalogue | None,
) -> Proposal:
    """The whole catalogue loaded with ``changes`` in memory, and what they bring that the content
    on disk (``baseline``, else loaded now) did not have."""
    root = content.resolve().parent
    texts = {(content / c.name).resolve(): c.after for c in changes}
    after_cat = load([content], root=root, texts=texts, index=index)
    before_cat = baseline if baseline is not None else load([content], root=root, index=index)
    old_problems = {_same_problem(p) for p in before_cat.problems}
    old_warnings = {_same_problem(w) for w in before_cat.warnings}
    return Proposal(
        subject,
        kind,
        tuple(changes),
        after_cat,
        [p for p in after_cat.problems if _same_problem(p) not in old_problems],
        [w for w in after_cat.warnings if _same_problem(w) not in old_warnings],
        [p for p in after_cat.problems if _same_problem(p) in old_problems],
        changed,
    )


def _kind(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    was, now = bool(before.get("retired")), bool(after.get("retired"))
    if was != now:
        return "retire" if now else "restore"
    return "edit"


def _not_taken(content: Path, qid: str) -> None:
    for path in bank_files(content).values():
        text, _ = _read(path)
        with contextlib.suppress(YamlEditError):
            if yamledit.question_of(text, qid) is not None:
                raise EditError(f"question id '{qid}' is already used in {_name(content, path)}")


def _faithful(change: FileChange, qid: str, new: Mapping[str, Any]) -> None:
    """Refuse a text that would not read back as what was asked (a guard on the writer)."""
    if change.after == change.before:
        return
    try:
        written = yamledit.question_of(change.after, qid)
    except YamlEditError as exc:
        raise EditError(f"{change.name}: the change would not read back: {exc}") from None
    if written is not None and yamledit.without_defaults(written) != dict(new):
        raise EditError(f"{change.name}: the change would not read back as typed; nothing saved")


def _mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC)


# --- writing ------------------------------------------------------------------------------------


@contextlib.contextmanager
def locked(content: Path, proposal: Proposal) -> Iterator[None]:
    """Hold a lock on every file of ``proposal`` (in name order, so two savers never deadlock)
    and check each is still what the change was made to. Raises Stale."""
    with contextlib.ExitStack() as stack:
        for change in sorted(proposal.files, key=lambda c: c.name):
            path = content / change.name
            handle = stack.enter_context(path.open("rb"))
            fcntl.flock(handle, fcntl.LOCK_EX)
            now = digest(path.read_bytes())  # by name: a rename meanwhile replaced the file
            if now != change.digest:
                raise Stale(change.name, _mtime(path), now)
        yield


def write(content: Path, proposal: Proposal) -> None:
    """Write each changed file atomically: a temporary file beside it, renamed over it."""
    for change in proposal.files:
        _replace(content / change.name, change.after)


def restore(content: Path, proposal: Proposal) -> None:
    """Put back what ``write`` replaced (the save failed after the rename)."""
    for change in proposal.files:
        _replace(content / change.name, change.before)


def _replace(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o7777 if path.exists() else 0o644
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def after_digests(proposal: Proposal) -> dict[str, list[str]]:
    """Each file's digest before and after the change: what the audit line records."""
    return {c.name: [c.digest, digest(c.after.encode("utf-8"))] for c in proposal.files}
