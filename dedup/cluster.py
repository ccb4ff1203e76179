"""Clusters of documents linked by verified pairs (union-find)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dedup.types import Cluster, Doc


def components(n: int, edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    """Connected components with two or more members, each sorted, ordered by first member.

    Example:
        >>> components(6, [(0, 3), (4, 5), (3, 1)])
        [[0, 1, 3], [4, 5]]
    """
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(find(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])


def representative(members: Sequence[Doc], lengths: Sequence[int] | None = None) -> Doc:
    """The earliest-dated document; among equals (or undated), the longest, then smallest id.

    `lengths` (default: the text lengths) lets the caller measure length on the
    normalised text, so that added diacritics do not make a copy "longer".
    """
    sizes = lengths if lengths is not None else [len(d.text) for d in members]

    def key(i: int) -> tuple[int, str, int, str]:
        d = members[i]
        return (0 if d.date else 1, d.date or "", -sizes[i], d.id)

    return members[min(range(len(members)), key=key)]


def clusters(
    docs: Sequence[Doc], edges: Iterable[tuple[int, int]], lengths: Sequence[int] | None = None
) -> list[Cluster]:
    """Clusters of `docs` from index pairs; id = smallest member id; sorted by id.

    The result does not depend on the order of `docs` or of `edges`.

    Example:
        >>> ds = [Doc("b", "x"), Doc("a", "xx"), Doc("c", "y")]
        >>> [(c.id, c.documents, c.representative) for c in clusters(ds, [(0, 1)])]
        [('a', ('a', 'b'), 'a')]
    """
    out = []
    for group in components(len(docs), edges):
        members = [docs[i] for i in group]
        sizes = None if lengths is None else [lengths[i] for i in group]
        ids = tuple(sorted(d.id for d in members))
        out.append(Cluster(ids[0], ids, representative(members, sizes).id))
    return sorted(out, key=lambda c: c.id)
