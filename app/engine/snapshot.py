"""The content of one question frozen at the moment it is put into an attempt.

An attempt stores snapshots, never references into the live banks, so a later edit to the YAML
cannot change what a trainee was asked or how a finished attempt is scored.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any

from app.bank import Entry
from app.bank.schema import QUESTION_TYPES


@dataclass(frozen=True)
class OptionSnap:
    """One option of a single- or multiple-answer question."""

    text: str
    correct: bool
    feedback: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """Canonical content of one question (YAML order), independent of any shuffling."""

    qid: str
    bank: str
    topic: str
    type: str
    difficulty: int
    stem: str
    case_id: str | None
    case_title: str | None
    vignette: str | None
    options: tuple[OptionSnap, ...]
    answer: bool | None
    pairs: tuple[tuple[str, str], ...]
    explanation: str
    sources: tuple[tuple[str, str], ...]
    # A secure (exam-only) question: its key is not shown before the attempt passes. Written to
    # the dict only when true, so questions that are not secure keep the hashes they had.
    secure: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict that ``from_dict`` turns back into an equal snapshot."""
        return {
            "qid": self.qid,
            "bank": self.bank,
            "topic": self.topic,
            "type": self.type,
            "difficulty": self.difficulty,
            "stem": self.stem,
            "case_id": self.case_id,
            "case_title": self.case_title,
            "vignette": self.vignette,
            "options": [
                {"text": o.text, "correct": o.correct, "feedback": o.feedback} for o in self.options
            ],
            "answer": self.answer,
            "pairs": [{"left": left, "right": right} for left, right in self.pairs],
            "explanation": self.explanation,
            "sources": [{"doc": doc, "quote": quote} for doc, quote in self.sources],
        } | ({"secure": True} if self.secure else {})

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        """The snapshot ``to_dict`` produced; raises ValueError for missing or unknown keys."""
        expected = {f.name for f in fields(cls)}
        optional = {"secure"}
        if not expected - optional <= set(data) <= expected:
            missing = sorted(expected - optional - set(data))
            unknown = sorted(set(data) - expected)
            raise ValueError(f"not a snapshot: missing keys {missing}, unknown keys {unknown}")
        if data["type"] not in QUESTION_TYPES:
            raise ValueError(f"not a snapshot: unknown question type {data['type']!r}")
        return cls(
            **{k: data[k] for k in set(data) - {"options", "pairs", "sources"}},
            options=tuple(
                OptionSnap(o["text"], o["correct"], o["feedback"]) for o in data["options"]
            ),
            pairs=tuple((p["left"], p["right"]) for p in data["pairs"]),
            sources=tuple((s["doc"], s["quote"]) for s in data["sources"]),
        )

    def content_hash(self) -> str:
        """SHA-256 hex of the canonical JSON form: equal content always gives the same hash."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def snapshot_of(entry: Entry) -> Snapshot:
    """Freeze a loaded question, with its case, into a snapshot; never raises for a valid entry."""
    q = entry.question
    options = getattr(q, "options", None) or []
    pairs = getattr(q, "pairs", None) or []
    return Snapshot(
        qid=q.id,
        bank=entry.bank,
        topic=entry.topic,
        type=q.type,
        difficulty=q.difficulty,
        stem=q.stem,
        case_id=entry.case.id if entry.case else None,
        case_title=entry.case.title if entry.case else None,
        vignette=entry.case.vignette if entry.case else None,
        options=tuple(OptionSnap(o.text, o.correct, o.feedback) for o in options),
        answer=getattr(q, "answer", None),
        pairs=tuple((p.left, p.right) for p in pairs),
        explanation=q.explanation,
        sources=tuple((s.doc, s.quote) for s in q.sources),
        secure=q.exam_only,
    )
