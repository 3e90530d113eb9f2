"""Two versions of one question: does the key differ, and what does an answer to the old one mean
in the new one? Pure, for regrading (app.regrade).

What counts as a change of key or scoring (everything else is wording):

- the question's type (an answer cannot be carried over: refused);
- a true/false question's answer;
- which options are correct (single and multiple answer), compared option by option;
- which right side goes with which left side (matching).

An answer is carried over by the options' (or the sides') text, compared with runs of spaces
collapsed, so options put in another order map to themselves. When exactly one option's text
changed and every other option kept its text, that option is taken to be the reworded old one,
wherever it now stands. Anything less clear is refused with the reason: options added or removed
(the trainee chose from another list), two or more options reworded at once, two options that read
the same. A refusal leaves that question of that attempt as it was scored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.engine.snapshot import Snapshot
from app.errors import ResurfaceError


class Unmappable(ResurfaceError):
    """An answer to one version of a question cannot be read unambiguously in the other."""


@dataclass(frozen=True)
class Remap:
    """How the items of an old version correspond to the new one, and whether the key changed.

    ``options[i]`` is the new index of old option ``i``; ``lefts`` and ``rights`` the same for
    a matching question's left items and pairs (by their right side).
    """

    old: Snapshot
    new: Snapshot
    options: tuple[int, ...]
    lefts: tuple[int, ...]
    rights: tuple[int, ...]
    key_changed: bool

    def answer(self, answer: Any) -> Any:
        """An answer to the old version (canonical form) as the same answer to the new one."""
        if answer is None or self.old.type == "true_false":
            return answer
        if self.old.type == "single":
            return self.options[answer]
        if self.old.type == "multiple":
            return sorted(self.options[i] for i in answer)
        carried: list[int | None] = [None] * len(self.lefts)
        for i, chosen in enumerate(answer):
            carried[self.lefts[i]] = None if chosen is None else self.rights[chosen]
        return carried

    def order(self, shown: Sequence[int], kind: str) -> list[int]:
        """An attempt's display order (old indices, as shown) in the new version's indices."""
        table = {"option": self.options, "left": self.lefts, "right": self.rights}[kind]
        return [table[i] for i in shown]


def remap(old: Snapshot, new: Snapshot) -> Remap:
    """The correspondence between ``old`` and ``new`` (same question id). Raises Unmappable."""
    if old.type != new.type:
        raise Unmappable(f"its type changed ({old.type} → {new.type}): an answer cannot carry over")
    options: tuple[int, ...] = ()
    lefts: tuple[int, ...] = ()
    rights: tuple[int, ...] = ()
    if old.type == "true_false":
        changed = old.answer != new.answer
    elif old.type in ("single", "multiple"):
        options = _pair_up([o.text for o in old.options], [o.text for o in new.options], "options")
        changed = any(
            o.correct != new.options[options[i]].correct for i, o in enumerate(old.options)
        )
    else:
        lefts = _pair_up([p[0] for p in old.pairs], [p[0] for p in new.pairs], "left items")
        rights = _pair_up([p[1] for p in old.pairs], [p[1] for p in new.pairs], "right items")
        # Old left i went with the right side of pair i; it still does if both land in one pair.
        changed = any(lefts[i] != rights[i] for i in range(len(old.pairs)))
    return Remap(old, new, options, lefts, rights, changed)


def _same(text: str) -> str:
    return " ".join(text.split())


def _pair_up(old: Sequence[str], new: Sequence[str], what: str) -> tuple[int, ...]:
    """For each old item, the index of the same item among the new ones. Raises Unmappable."""
    if len(old) != len(new):
        raise Unmappable(
            f"{what} were added or removed ({len(old)} → {len(new)}): "
            "the trainee chose from a different list"
        )
    old_texts, new_texts = [_same(t) for t in old], [_same(t) for t in new]
    if len(set(old_texts)) != len(old_texts) or len(set(new_texts)) != len(new_texts):
        raise Unmappable(f"two {what} read the same, so they cannot be told apart")
    where = {text: i for i, text in enumerate(new_texts)}
    found = [where.get(text) for text in old_texts]
    lost = [i for i, j in enumerate(found) if j is None]
    if len(lost) > 1:
        numbers = ", ".join(str(i + 1) for i in lost)
        raise Unmappable(
            f"{len(lost)} {what} were reworded ({numbers} of the old version): "
            "it is not clear which new one each of them is"
        )
    if lost:
        (free,) = set(range(len(new))) - {j for j in found if j is not None}
        found[lost[0]] = free
    return tuple(j for j in found if j is not None)
