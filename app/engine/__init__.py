"""The quiz engine: assemble attempts and score answers. Pure functions, no I/O, no clock."""

from app.engine.assemble import Presented, assemble, assemble_from
from app.engine.scoring import (
    AttemptScore,
    InvalidAnswer,
    Scoring,
    TopicScore,
    normalize_answer,
    score_attempt,
    score_question,
)
from app.engine.snapshot import OptionSnap, Snapshot, snapshot_of

__all__ = [
    "AttemptScore",
    "InvalidAnswer",
    "OptionSnap",
    "Presented",
    "Scoring",
    "Snapshot",
    "TopicScore",
    "assemble",
    "assemble_from",
    "normalize_answer",
    "score_attempt",
    "score_question",
    "snapshot_of",
]
