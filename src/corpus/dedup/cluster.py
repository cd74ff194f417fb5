"""Clusters from verified pairs (union-find) and the keep policy that picks the canonical one.

Both are pure and independent of input order: union-find only decides which documents end up
together, and the keep policy ranks members by their content and ids, never by position.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from corpus.dedup.config import KeepPolicy

__all__ = ["Candidate", "UnionFind", "choose_canonical"]


class UnionFind:
    """Disjoint sets over ``0 .. size - 1`` with path halving and union by size."""

    __slots__ = ("_parent", "_size")

    def __init__(self, size: int) -> None:
        self._parent = list(range(size))
        self._size = [1] * size

    def find(self, item: int) -> int:
        """The representative of ``item``'s set."""
        parent = self._parent
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        """Merge the sets of ``a`` and ``b``."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self._size[root_a] < self._size[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._size[root_a] += self._size[root_b]

    def groups(self, items: Iterable[int]) -> list[list[int]]:
        """The sets with at least two of ``items``, each sorted, in order of first member."""
        found: dict[int, list[int]] = {}
        for item in items:
            found.setdefault(self.find(item), []).append(item)
        return sorted((sorted(g) for g in found.values() if len(g) > 1), key=lambda g: g[0])


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the keep policy knows of a cluster member.

    ``credit``: the phrase by which the text credits another outlet as its source (``""``
    when it does not). ``contained``: a
    verified pair shows this document's n-grams (near) contained in another member's, and
    not the other way round. ``closeness``: the sum, over the other members, of the share
    of their word 5-grams this document holds (0 when unknown).
    """

    index: int
    id: str
    seq: int
    words: int
    credit: str
    contained: bool
    closeness: float = 0.0


def _longest_first(c: Candidate) -> tuple[int, int, str]:
    return (-c.words, c.seq, c.id)


def _closeness(c: Candidate) -> float:
    """``c.closeness`` rounded, so that sums of the same scores in another order tie."""
    return round(c.closeness, 6)


def choose_canonical(members: Sequence[Candidate], policy: KeepPolicy) -> tuple[Candidate, str]:
    """The member to keep, by ``policy`` (see :data:`~corpus.dedup.config.KeepPolicy`), and why.

    ``"original"``: members that credit another source are copies, and so are members
    contained in another; among the rest (or among all, if that leaves none) the member
    closest to the others wins (the highest ``closeness``: the text the others were made
    from holds most of what each of them kept of it, more than another copy holds, which
    changed it in its own way), then the longest text, then the lowest seq, then the lowest
    id. ``"longest"``: the
    longest text, then the lowest seq and id. ``"first"``: lowest seq, then lowest id. The
    reason is a sentence for the dedup report, naming the rule that decided (and the credit
    phrase, when that was it).
    """
    if not members:
        raise ValueError("choose_canonical needs at least one member")
    if policy == "first":
        return min(members, key=lambda c: (c.seq, c.id)), "keep policy 'first': lowest seq"
    pool = sorted(members, key=lambda c: (c.seq, c.id))  # reasons must not follow input order
    reasons: list[str] = []
    if policy == "original":
        uncredited = [c for c in pool if not c.credit]
        if uncredited and len(uncredited) < len(pool):
            reasons += [f"{c.id} credits another outlet as its source ({c.credit!r})"
                        for c in pool if c.credit]
            pool = uncredited
        uncontained = [c for c in pool if not c.contained]
        if uncontained and len(uncontained) < len(pool):
            reasons += [f"{c.id} is contained in another member" for c in pool if c.contained]
            pool = uncontained
        closest = max(_closeness(c) for c in pool)
        nearest = [c for c in pool if _closeness(c) == closest]
        if closest > 0 and len(nearest) < len(pool):
            runner_up = max(_closeness(c) for c in pool if _closeness(c) < closest)
            reasons.append(f"{'then ' if reasons else ''}closest to the other members (the "
                           f"shares of their word 5-grams it holds sum to {closest:.4f}, next "
                           f"{runner_up:.4f})")
            pool = nearest
    kept = min(pool, key=_longest_first)
    if len(pool) > 1:
        tie = "longest text" if sum(1 for c in pool if c.words == kept.words) == 1 else (
            "longest text, then lowest seq and id")
        reasons.append(f"{'then ' if reasons else ''}{tie} among {len(pool)} candidates")
    return kept, "; ".join(reasons)
