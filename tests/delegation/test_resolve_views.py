"""The per-delegator views of a resolution, whichever way they are built (issue 13).

The unit and override links of the found delegators are built key by key when few trusters
are found and by copying the whole index and dropping the rest when most are; both ways must
give the naive resolver's answer, as must a walk several levels deep.
"""

from delegation import Delegation, build_overrides, build_unit_graph, resolve
from delegation.resolve import _links
from tests.delegation.reference import naive_resolve

# Members 1..40; 10 and 20 are delegates; 30 delegates to 10 (an inner delegator).
ELIGIBLE = set(range(1, 41))
ROWS = [
    *(Delegation(m, 10, "unit") for m in range(1, 10)),
    *(Delegation(m, 20, "unit") for m in range(11, 20)),
    Delegation(20, 30, "unit"),
    Delegation(30, 10, "unit"),
    *(Delegation(m, 20, "area") for m in range(21, 25)),
    *(Delegation(m, 10, "issue") for m in (1, 2, 25, 26)),
    Delegation(3, None, "area"),
    Delegation(27, 99, "area"),
]


def check(participants: set[int]) -> None:
    graph = build_unit_graph(ELIGIBLE, [r for r in ROWS if r.scope == "unit"])
    overrides = build_overrides(
        graph, [r for r in ROWS if r.scope == "area"], [r for r in ROWS if r.scope == "issue"]
    )
    r = resolve(graph, participants, overrides)
    naive = naive_resolve(ELIGIBLE, ROWS, participants)
    assert dict(r.weights) == naive.weights
    assert dict(r.intermediate_weights.items()) == naive.intermediate_weights
    assert dict(r.trustees.items()) == naive.trustees
    assert dict(r.scopes.items()) == naive.scopes
    assert set(r.delegators) == set(naive.trustees) and len(r.delegators) == len(naive.trustees)
    assert (set(r.lost), set(r.absent)) == (naive.lost, naive.absent)


class TestViews:
    def test_most_trusters_found_through_a_chain_of_delegates(self) -> None:
        # 10 votes: 1..9 (less the overridden), 30, 20 behind 30, 11..19 and 21..24 behind 20.
        check({10})

    def test_few_trusters_found(self) -> None:
        # 40 votes, nobody delegates to 40: every delegation is lost.
        check({40})

    def test_participants_cut_their_own_delegation_at_every_level(self) -> None:
        check({10, 20, 5, 12, 22, 25})

    def test_a_middle_participant_keeps_what_is_behind_them(self) -> None:
        check({30})


TRUSTEE = {1: 10, 2: 10, 3: 10, 4: 20, 5: 20, 6: 30}
TRUSTERS_OF = {10: [1, 2, 3], 20: [4, 5], 30: [6]}


class TestLinks:
    """``_links`` gives the same dict whether it builds or copies and drops."""

    def test_building_and_copying_agree(self) -> None:
        cases: tuple[tuple[list[int], frozenset[int]], ...] = (
            ([10], frozenset({2})),
            ([10, 20], frozenset({5, 9})),
            ([], frozenset()),
        )
        for parents, cut in cases:
            expected = {m: t for m, t in TRUSTEE.items() if t in parents and m not in cut}
            # ``kept`` only picks the way: 0 builds key by key, the index size copies and drops.
            assert _links(TRUSTEE, TRUSTERS_OF, parents, 0, cut) == expected
            assert _links(TRUSTEE, TRUSTERS_OF, parents, 6, cut) == expected
