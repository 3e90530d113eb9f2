"""Put an attempt together: draw questions from a blueprint, order them, shuffle their options.

Everything random comes from one ``random.Random(seed)``, so the same seed and catalogue always
give the same attempt and an attempt can be rebuilt from its seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from app.bank import Catalogue, forms
from app.bank.schema import Quiz
from app.engine.snapshot import Snapshot, snapshot_of


@dataclass(frozen=True)
class Presented:
    """One question as placed in one attempt; orders hold canonical indices in shown order."""

    position: int
    snapshot: Snapshot
    option_order: tuple[int, ...] = ()
    left_order: tuple[int, ...] = ()
    right_order: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        # Orders come back from storage too; a bad one would silently mislabel answers.
        snap = self.snapshot
        has_options = snap.type in ("single", "multiple")
        _check_order("option_order", self.option_order, len(snap.options) if has_options else 0)
        _check_order("left_order", self.left_order, len(snap.pairs))
        _check_order("right_order", self.right_order, len(snap.pairs))


def _check_order(name: str, order: tuple[int, ...], size: int) -> None:
    if sorted(order) != list(range(size)):
        raise ValueError(f"{name} {order} is not a permutation of range({size})")


def assemble(quiz: Quiz, catalogue: Catalogue, seed: int) -> list[Presented]:
    """Draw a fresh attempt of ``quiz`` (see ``app.bank.forms`` for the rules of a form);
    raises ValueError if its blueprint cannot be filled."""
    rng = random.Random(seed)
    try:
        form = forms.draw(quiz, catalogue, rng)
    except ValueError as exc:
        raise ValueError(f"quiz '{quiz.id}' cannot be drawn: {exc}") from None
    chosen = {qid for line in form for unit in line for qid in unit.qids}
    return _place(chosen, catalogue, rng, quiz.shuffle_questions, quiz.shuffle_options)


def assemble_from(
    qids: Sequence[str],
    catalogue: Catalogue,
    seed: int,
    shuffle_questions: bool,
    shuffle_options: bool,
) -> list[Presented]:
    """An attempt of just these questions (repeats dropped); raises KeyError for an unknown id."""
    unknown = [qid for qid in qids if qid not in catalogue.entries]
    if unknown:
        raise KeyError(f"unknown question ids: {', '.join(unknown)}")
    rng = random.Random(seed)
    return _place(set(qids), catalogue, rng, shuffle_questions, shuffle_options)


def _place(
    chosen: set[str],
    catalogue: Catalogue,
    rng: random.Random,
    shuffle_questions: bool,
    shuffle_options: bool,
) -> list[Presented]:
    """Order the chosen questions in case blocks and give each its option orders."""
    blocks = _blocks(chosen, catalogue)
    if shuffle_questions:
        rng.shuffle(blocks)
    placed = []
    for position, qid in enumerate(qid for block in blocks for qid in block):
        snap = snapshot_of(catalogue.entries[qid])
        options = len(snap.options) if snap.type in ("single", "multiple") else 0
        pairs = len(snap.pairs)
        placed.append(
            Presented(
                position,
                snap,
                _order(options, rng, shuffle_options),
                _order(pairs, rng, shuffle_options),
                _order(pairs, rng, shuffle_options),
            )
        )
    return placed


def _blocks(chosen: set[str], catalogue: Catalogue) -> list[list[str]]:
    """Chosen ids in catalogue order, grouped so a case's questions stay together and in order.

    A case's vignette is read once and its questions may build on each other, so a case is
    shuffled as one block; a block sits where its first question is in the catalogue.
    """
    blocks: dict[tuple[str, str], list[str]] = {}
    for qid, entry in catalogue.entries.items():
        if qid in chosen:
            key = ("case", entry.case.id) if entry.case else ("question", qid)
            blocks.setdefault(key, []).append(qid)
    return list(blocks.values())


def _order(size: int, rng: random.Random, shuffle: bool) -> tuple[int, ...]:
    order = list(range(size))
    if shuffle:
        rng.shuffle(order)
    return tuple(order)
