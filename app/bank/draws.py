"""Which questions a quiz blueprint line can draw from, whether all lines can be filled, and how."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.bank.schema import Draw
from app.bank.text import plural


@dataclass(frozen=True)
class Candidate:
    """What a draw selects on: a question's id, bank, topic and tags, and whether it is secure."""

    id: str
    bank: str
    topic: str
    tags: frozenset[str]
    secure: bool = False


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
    return len(_match(_slots(pools, counts)))


def assign(pools: Sequence[Sequence[str]], counts: Sequence[int]) -> list[list[str]]:
    """Distinct question ids for every draw line, preferring each pool's earlier ids.

    Shuffle the pools first for a random draw: the matching still finds an assignment whenever
    one exists, so overlapping lines never fail by bad luck. Raises ValueError if the lines
    cannot all be filled.
    """
    for i, (found, n) in enumerate(zip(pools, counts, strict=True)):
        if n > len(found):
            raise ValueError(
                f"draw[{i}] asks for {plural(n, 'question')} but only {len(found)} match"
            )
    slots = _slots(pools, counts)
    owner = _match(slots)
    if len(owner) < len(slots):
        raise ValueError(
            f"the draws overlap: they ask for {len(slots)} different questions "
            f"but only {len(owner)} can be drawn"
        )
    line_of = [i for i, n in enumerate(counts) for _ in range(n)]
    by_slot = sorted((slot, qid) for qid, slot in owner.items())
    out: list[list[str]] = [[] for _ in counts]
    for slot, qid in by_slot:
        out[line_of[slot]].append(qid)
    return out


def _slots(pools: Sequence[Sequence[str]], counts: Sequence[int]) -> list[Sequence[str]]:
    return [p for p, n in zip(pools, counts, strict=True) for _ in range(n)]


def _match(slots: Sequence[Sequence[str]]) -> dict[str, int]:
    """A maximum matching of slots to distinct ids, as id -> slot."""
    owner: dict[str, int] = {}

    def augment(slot: int, seen: set[str]) -> bool:
        for qid in slots[slot]:
            if qid in seen:
                continue
            seen.add(qid)
            if qid not in owner or augment(owner[qid], seen):
                owner[qid] = slot
                return True
        return False

    for slot in range(len(slots)):
        augment(slot, set())
    return owner
