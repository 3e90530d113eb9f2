"""Editing the question banks in the app: who may, what is recorded, and each question's history.

Managers edit content, and trainers a manager has let (``app.permissions``, EDIT_CONTENT). The
change itself is ``app.bank.editing``'s: made to the YAML text, checked against the whole
catalogue, written atomically. Here each save re-reads the acting user inside its own
transaction, refuses a file someone changed since it was opened (saying who, from the audit
log, or that it was changed outside the app), and records one audit line with the diff. The
slow part, loading and checking every file, runs before the transaction opens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from app import clock
from app.accounts import User, recheck, require
from app.bank import editing
from app.bank.editing import EditError, Opened, Proposal, Refused, Stale
from app.bank.model import Catalogue
from app.bank.text import SourceIndex
from app.engine.snapshot import snapshot_of
from app.permissions import Action, acting, allowed
from app.store import attempts as attempt_store
from app.store import audit as audit_store
from app.store import content as content_store
from app.store.db import writing

ACTIONS = tuple(f"content.{kind}" for kind in editing.KINDS)


class ChangedMeanwhile(EditError):
    """The file changed since the editor opened it; the message says who or what changed it."""


@dataclass(frozen=True)
class Saved:
    """A save: the question, what kind of change, and the diff recorded in the audit log."""

    qid: str
    kind: str
    files: tuple[str, ...]
    diff: str
    version: str | None  # the content hash of the question as saved (what attempts will store)


@dataclass(frozen=True)
class Version:
    """One line of a question's history: an in-app save, or a version attempts were given."""

    at: datetime
    kind: str  # a save's kind ("edit", "create", ...), or "asked": a version found in attempts
    who: str | None  # the saver's name; None: not saved in the app (or the console)
    fields: tuple[str, ...]
    diff: str
    version: str | None  # the snapshot hash, when known
    attempts: int  # attempts that asked this version


def editor(conn: Connection, actor: User | None) -> User | None:
    """The acting user as the database has them now, with whether a manager let them edit
    content (kept apart from the account: ``app.store.content``)."""
    user = recheck(conn, actor)
    return (
        None if user is None else replace(user, edits_content=content_store.granted(conn, user.id))
    )


def may_edit(engine: Engine, actor: User | None) -> bool:
    """Whether ``actor`` may edit content now (the page shows its editor only then)."""
    with engine.connect() as conn:
        return allowed(acting(editor(conn, actor)), Action.EDIT_CONTENT)


def _may_edit(engine: Engine, actor: User | None, action: Action = Action.EDIT_CONTENT) -> None:
    with engine.connect() as conn:
        now = editor(conn, actor)
    require(acting(now), action)


def open_question(engine: Engine, actor: User | None, content: Path, qid: str) -> Opened:
    """The question as written, to edit. Raises Forbidden, EditError."""
    _may_edit(engine, actor)
    return editing.open_question(content, qid)


def new_question(
    engine: Engine, actor: User | None, content: Path, bank: str, kind: str = "single"
) -> Opened:
    """A blank question for ``bank``, to fill in and save. Raises Forbidden, EditError."""
    _may_edit(engine, actor)
    return editing.new_question(content, bank, kind)


def check(
    engine: Engine,
    actor: User | None,
    content: Path,
    opened: Opened,
    fields: Mapping[str, Any],
    bank: str | None = None,
    *,
    index: SourceIndex | None = None,
    baseline: Catalogue | None = None,
) -> Proposal:
    """The change checked against the whole catalogue, nothing written: the editor's live view.

    Raises Forbidden, ChangedMeanwhile, EditError.
    """
    _may_edit(engine, actor)
    try:
        return editing.propose(content, opened, fields, bank, index=index, baseline=baseline)
    except Stale as exc:
        raise _meanwhile(engine, exc) from None


def save(
    engine: Engine,
    actor: User | None,
    content: Path,
    opened: Opened,
    fields: Mapping[str, Any],
    bank: str | None = None,
    *,
    index: SourceIndex | None = None,
    baseline: Catalogue | None = None,
    confirm_warnings: bool = False,
    now: datetime | None = None,
) -> Saved:
    """Write the change to the bank file(s) and record it in the audit log.

    Refuses anything ``resurface validate`` would refuse that the change brings, and new
    item-writing warnings unless ``confirm_warnings``. Raises Forbidden, ChangedMeanwhile
    (the file changed since ``opened``), Refused, EditError.
    """
    proposal = check(engine, actor, content, opened, fields, bank, index=index, baseline=baseline)
    why = proposal.refusal(confirm_warnings)
    if why is not None:
        raise Refused(why)
    entry = proposal.catalogue.entries.get(proposal.qid)
    version = snapshot_of(entry).content_hash() if entry is not None else None
    _commit(engine, actor, content, proposal, Action.EDIT_CONTENT, now, version=version)
    return Saved(
        proposal.qid, proposal.kind, tuple(f.name for f in proposal.files), proposal.diff(), version
    )


def set_quiz_value(
    engine: Engine,
    actor: User | None,
    content: Path,
    opened_digest: str,
    quiz_id: str,
    key: str,
    value: Any,
    action: Action,
    *,
    index: SourceIndex | None = None,
    baseline: Catalogue | None = None,
    now: datetime | None = None,
    **detail: Any,
) -> Saved:
    """Set one value of one quiz in quizzes.yaml through the same checks, lock, atomic write and
    audit line (``content.quiz``, with ``detail``) as a question's save; ``action`` is what the
    actor must be allowed (adopting a pass mark, say). Raises Forbidden, ChangedMeanwhile (the
    file changed since ``opened_digest``), Refused, EditError."""
    _may_edit(engine, actor, action)
    try:
        proposal = editing.propose_quiz_value(
            content, opened_digest, quiz_id, key, value, index=index, baseline=baseline
        )
    except Stale as exc:
        raise _meanwhile(engine, exc) from None
    why = proposal.refusal()
    if why is not None:
        raise Refused(why)
    _commit(engine, actor, content, proposal, action, now, **detail)
    return Saved(proposal.qid, "quiz", (editing.QUIZZES_FILE,), proposal.diff(), None)


def _commit(
    engine: Engine,
    actor: User | None,
    content: Path,
    proposal: Proposal,
    action: Action,
    now: datetime | None,
    **detail: Any,
) -> None:
    """Write a checked change under the files' locks and record its audit line, in one go: the
    actor re-read and re-checked inside the transaction, the file written last, and put back if
    the audit line does not commit. Raises Forbidden, ChangedMeanwhile."""
    now = now or clock.now()
    try:
        with editing.locked(content, proposal):
            written = False
            try:
                with writing(engine) as conn:
                    user = editor(conn, actor)
                    require(acting(user), action)
                    audit_store.record(
                        conn,
                        now,
                        user.id if user else None,
                        f"content.{proposal.kind}",
                        proposal.qid,
                        files=editing.after_digests(proposal),
                        fields=list(proposal.changed),
                        diff=proposal.diff(),
                        **detail,
                    )
                    # Last, so a refusal above writes nothing; the commit follows at once.
                    editing.write(content, proposal)
                    written = True
            except BaseException:
                if written:  # the audit line did not commit: the file goes back as it was
                    editing.restore(content, proposal)
                raise
    except Stale as exc:
        raise _meanwhile(engine, exc) from None


def retire(
    engine: Engine,
    actor: User | None,
    content: Path,
    qid: str,
    retired: bool = True,
    *,
    index: SourceIndex | None = None,
    baseline: Catalogue | None = None,
    confirm_warnings: bool = False,
) -> Saved:
    """Retire a question (never drawn again; old attempts keep their copy), or bring it back.

    Raises what ``save`` raises.
    """
    opened = open_question(engine, actor, content, qid)
    fields = dict(opened.fields) | {"retired": retired}
    return save(
        engine,
        actor,
        content,
        opened,
        fields,
        index=index,
        baseline=baseline,
        confirm_warnings=confirm_warnings,
    )


def _meanwhile(engine: Engine, stale: Stale) -> ChangedMeanwhile:
    with engine.connect() as conn:
        saved = _last_save(conn, stale.file, stale.digest)
    if saved is None:
        return ChangedMeanwhile(
            f"{stale.file} was changed on disk outside the app at {_utc(stale.mtime)} since you "
            "opened it; nothing was saved. What you typed is kept: open the question again to "
            "see the file as it is now, then make your change again."
        )
    who = saved["display_name"] or "the console"
    if saved["username"]:
        who += f" ({saved['username']})"
    what = "quiz" if saved["action"] == "content.quiz" else "question"
    return ChangedMeanwhile(
        f"{stale.file} was changed by {who} at {_utc(saved['at'])}, saving {what} "
        f"'{saved['target']}', since you opened it; nothing was saved. What you typed is kept: "
        "open the question again to see their change, then make yours again."
    )


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def _last_save(conn: Connection, file: str, digest: str) -> dict[str, Any] | None:
    """The in-app save that left ``file`` with this digest, if one did."""
    criteria = audit_store.Criteria(actions=ACTIONS, text=digest)
    for line in audit_store.page(conn, criteria, 20):
        files = (line["detail"] or {}).get("files") or {}
        if files.get(file, [None, None])[1] == digest:
            return line
    return None


def history(engine: Engine, actor: User | None, qid: str) -> list[Version]:
    """Question ``qid``'s versions, newest first: every in-app save (who, what, the diff) and
    every version attempts were given (from their snapshots), joined where the hash matches.

    Raises Forbidden (staff only: the question bank's readers).
    """
    require(acting(actor), Action.OPEN_BANK)
    with engine.connect() as conn:
        saves = [
            line
            for line in audit_store.page(
                conn, audit_store.Criteria(actions=ACTIONS, target=qid), 500
            )
            if line["target"] == qid
        ]
        asked = attempt_store.versions_of(conn, qid)
    uses = {row["hash"]: row["attempts"] for row in asked}
    out = []
    for line in saves:
        detail = line["detail"] or {}
        version = detail.get("version")
        out.append(
            Version(
                line["at"],
                line["action"].removeprefix("content."),
                line["display_name"] or ("the console" if line["actor_id"] is None else None),
                tuple(detail.get("fields") or ()),
                detail.get("diff") or "",
                version,
                uses.pop(version, 0) if version else 0,
            )
        )
    for row in asked:
        if row["hash"] in uses:
            out.append(
                Version(row["created_at"], "asked", None, (), "", row["hash"], row["attempts"])
            )
    return sorted(out, key=lambda v: v.at, reverse=True)
