"""Connected components of an undirected graph given by its edges (union–find)."""

from __future__ import annotations

from collections.abc import Iterable


def connected_components(edges: Iterable[tuple[int, int]]) -> list[set[int]]:
    """The vertex sets of the components the edges form, largest first, then by least vertex."""
    parent: dict[int, int] = {}

    def root(v: int) -> int:
        parent.setdefault(v, v)
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, set[int]] = {}
    for v in list(parent):
        groups.setdefault(root(v), set()).add(v)
    return sorted(groups.values(), key=lambda g: (-len(g), min(g)))
