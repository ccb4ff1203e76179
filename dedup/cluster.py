"""Clusters of documents linked by verified pairs (union-find)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

from dedup.types import Cluster, Doc, Occurrence, PassageCluster, SharedPassage


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

    linked: set[int] = set()  # only these can be in a component of two or more
    for a, b in edges:
        linked.add(a)
        linked.add(b)
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in sorted(linked):
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


def _union_length(spans: list[tuple[int, int]]) -> int:
    """Characters covered by the union of spans."""
    total, end = 0, -1
    for s, e in sorted(spans):
        if e <= end:
            continue
        total += e - max(s, end)
        end = e
    return total


def reuse_clusters(
    passages: Sequence[SharedPassage], texts: dict[str, str]
) -> list[PassageCluster]:
    """Group passage occurrences into clusters of the same reused passage.

    Two occurrences in one document are the same when they overlap by at least half
    of the shorter; occurrences linked by a passage are the same passage. A cluster
    lists each document's occurrence (the union of its overlapping spans).

    Example:
        >>> ps = [SharedPassage("a", 0, 10, "b", 5, 15, 1.0, 5.0, "", ""),
        ...       SharedPassage("b", 6, 14, "c", 0, 8, 1.0, 5.0, "", "")]
        >>> [(o.doc, o.start, o.end) for o in reuse_clusters(ps, {})[0].occurrences]
        [('a', 0, 10), ('b', 5, 15), ('c', 0, 8)]
    """
    occ: list[tuple[str, int, int]] = []
    for p in passages:
        occ += [(p.a, p.a_start, p.a_end), (p.b, p.b_start, p.b_end)]
    edges = [(2 * i, 2 * i + 1) for i in range(len(passages))]
    order = sorted(range(len(occ)), key=lambda i: occ[i])
    for x, y in itertools.pairwise(order):
        (d1, s1, e1), (d2, s2, e2) = occ[x], occ[y]
        if d1 == d2 and min(e1, e2) - max(s1, s2) >= 0.5 * min(e1 - s1, e2 - s2):
            edges.append((x, y))
    out = []
    for group in components(len(occ), edges):
        spans: dict[str, list[int]] = {}
        for i in group:
            d, s, e = occ[i]
            cur = spans.setdefault(d, [s, e])
            cur[0], cur[1] = min(cur[0], s), max(cur[1], e)
        members = tuple(
            Occurrence(d, s, e, texts.get(d, "")[s:e]) for d, (s, e) in sorted(spans.items())
        )
        out.append(PassageCluster(f"{members[0].doc}:{members[0].start}-{members[0].end}", members))
    return sorted(out, key=lambda c: (c.occurrences[0].doc, c.occurrences[0].start))


def coverage(
    passages: Sequence[SharedPassage], docs: Sequence[Doc]
) -> tuple[dict[str, int], list[tuple[str, str, float]]]:
    """Characters of each document found in another, and per outlet pair (A, B) the
    share of A's characters found in B's documents. A document without an outlet
    counts as an outlet of its own, named by its id.

    Example:
        >>> ds = [Doc("a", "x" * 100, outlet="A"), Doc("b", "y" * 50, outlet="B")]
        >>> coverage([SharedPassage("a", 0, 30, "b", 0, 25, 1.0, 5.0, "", "")], ds)
        ({'a': 30, 'b': 25}, [('A', 'B', 0.3), ('B', 'A', 0.5)])
    """
    outlet = {d.id: d.outlet or d.id for d in docs}
    spans: dict[str, list[tuple[int, int]]] = {}
    by_outlet: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for p in passages:
        for (doc, s, e), other in (
            ((p.a, p.a_start, p.a_end), p.b),
            ((p.b, p.b_start, p.b_end), p.a),
        ):
            spans.setdefault(doc, []).append((s, e))
            if outlet[doc] != outlet[other]:
                by_outlet.setdefault((doc, outlet[other]), []).append((s, e))
    shared = {d: _union_length(v) for d, v in sorted(spans.items())}
    size: dict[str, int] = {}
    for d in docs:
        size[outlet[d.id]] = size.get(outlet[d.id], 0) + len(d.text)
    found: dict[tuple[str, str], int] = {}
    for (doc, other_outlet), v in by_outlet.items():
        key = (outlet[doc], other_outlet)
        found[key] = found.get(key, 0) + _union_length(v)
    overlap = [(a, b, round(n / size[a], 4)) for (a, b), n in sorted(found.items()) if size[a]]
    return shared, overlap
