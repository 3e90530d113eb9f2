"""Which questions a quiz blueprint line can draw from, and whether all lines can be filled."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.bank.schema import Draw


@dataclass(frozen=True)
class Candidate:
    """What a draw selects on: a question's id, bank, topic and tags."""

    id: str
    bank: str
    topic: str
    tags: frozenset[str]


def pool(draw: Draw, candidates: Iterable[Candidate]) -> list[str]:
    """Ids of the candidates that match every selector of ``draw``, in the order given."""
    want = set(draw.tags or ())
    return [
        c.id
        for c in candidates
        if (draw.topic is None or c.topic == draw.topic)
        and (draw.bank is None or c.bank == draw.bank)
        and want <= c.tags
    ]


def fillable(pools: Sequence[Sequence[str]], counts: Sequence[int]) -> int:
    """How many of the requested slots can be filled without using a question twice.

    Draw lines may overlap (a topic line and a tag line), so each slot is matched to a distinct
    question by augmenting paths (Kuhn's algorithm); blueprints are small, so this is instant.
    """
    slots = [p for p, n in zip(pools, counts, strict=True) for _ in range(n)]
    owner: dict[str, int] = {}

    def assign(slot: int, seen: set[str]) -> bool:
        for qid in slots[slot]:
            if qid in seen:
                continue
            seen.add(qid)
            if qid not in owner or assign(owner[qid], seen):
                owner[qid] = slot
                return True
        return False

    return sum(assign(slot, set()) for slot in range(len(slots)))
