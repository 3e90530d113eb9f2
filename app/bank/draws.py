"""Whether draw lines that may overlap can all be filled with distinct questions.

A quick necessary check before the form search in ``app.bank.forms``: when it fails, the
message can say exactly that the lines overlap.
"""

from __future__ import annotations

from collections.abc import Sequence


def fillable(pools: Sequence[Sequence[str]], counts: Sequence[int]) -> int:
    """How many of the requested slots can be filled without using a question twice.

    Draw lines may overlap (a topic line and a tag line), so each slot is matched to a distinct
    question by augmenting paths (Kuhn's algorithm); blueprints are small, so this is instant.
    """
    slots = [p for p, n in zip(pools, counts, strict=True) for _ in range(n)]
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
    return len(owner)
