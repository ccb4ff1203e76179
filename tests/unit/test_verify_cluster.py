from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dedup.cluster import clusters, components, representative
from dedup.config import VerifyConfig
from dedup.types import Doc
from dedup.verify import accept, overlap


def u(*xs: int) -> np.ndarray:
    return np.array(sorted(set(xs)), dtype=np.uint64)


@pytest.mark.parametrize(
    ("a", "b", "jac", "cont"),
    [
        (u(1, 2, 3), u(1, 2, 3), 1.0, 1.0),
        (u(1, 2), u(3, 4), 0.0, 0.0),
        (u(1, 2, 3, 4), u(3, 4, 5, 6), 2 / 6, 0.5),
        (u(1, 2), u(1, 2, 3, 4, 5, 6, 7, 8), 0.25, 1.0),
        (u(), u(1), 0.0, 0.0),
    ],
)
def test_overlap_is_exact_and_symmetric(
    a: np.ndarray, b: np.ndarray, jac: float, cont: float
) -> None:
    assert overlap(a, b) == pytest.approx((jac, cont))
    assert overlap(b, a) == overlap(a, b)


def test_accept_by_containment_only_when_asked() -> None:
    assert not accept(0.25, 1.0, VerifyConfig(threshold=0.5))
    assert accept(0.25, 1.0, VerifyConfig(threshold=0.5, containment=0.8))
    assert accept(0.5, 0.5, VerifyConfig(threshold=0.5))


def test_components_transitive_and_ordered() -> None:
    assert components(5, [(3, 4), (0, 4)]) == [[0, 3, 4]]
    assert components(3, []) == []


@given(
    st.integers(1, 30).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40),
        )
    )
)
def test_components_are_the_connected_groups_of_two_or_more(case: tuple) -> None:
    n, edges = case
    neighbours: dict[int, set[int]] = {i: set() for i in range(n)}
    for a, b in edges:
        neighbours[a].add(b)
        neighbours[b].add(a)
    seen: set[int] = set()
    expected = []
    for i in range(n):  # each group by a walk from its smallest member
        if i in seen:
            continue
        group, todo = {i}, [i]
        while todo:
            for j in neighbours[todo.pop()] - group:
                group.add(j)
                todo.append(j)
        seen |= group
        if len(group) > 1:
            expected.append(sorted(group))
    assert components(n, edges) == expected


def test_representative_prefers_earliest_date_then_longest() -> None:
    docs = [
        Doc("a", "short"),
        Doc("b", "much longer", date="2016-07-28"),
        Doc("c", "x", date="2016-07-27"),
    ]
    assert representative(docs).id == "c"
    assert representative([*docs[:1], Doc("z", "the longest text")]).id == "z"
    assert representative([Doc("b", "same"), Doc("a", "same")]).id == "a"


def test_cluster_ids_do_not_depend_on_input_order() -> None:
    docs = [Doc("d", "1"), Doc("b", "2"), Doc("c", "3"), Doc("a", "4")]
    first = clusters(docs, [(0, 1), (2, 3)])
    rev = list(reversed(docs))
    second = clusters(rev, [(3, 2), (1, 0)])
    assert first == second
    assert [c.id for c in first] == ["a", "b"]
