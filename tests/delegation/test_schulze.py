"""The Schulze method: link strengths, strongest paths, tie-breaking and ranks."""

from hypothesis import given, settings
from hypothesis import strategies as st

from delegation import (
    link_strength,
    schulze_ranking,
    secondary_link_strength,
    strongest_paths,
    tally_ballots,
)

TWO_31 = 1 << 31


class TestLinkStrength:
    def test_tuple(self) -> None:
        assert link_strength(7, 2) == 7 * TWO_31 - 2
        assert link_strength(3, 3) == 0
        assert link_strength(2, 7) == -1

    def test_simple(self) -> None:
        assert link_strength(7, 2, "simple") == 7
        assert link_strength(3, 3, "simple") == 0
        assert link_strength(2, 7, "simple") == 0

    def test_tuple_prefers_fewer_losing_votes_at_equal_winning_votes(self) -> None:
        assert link_strength(6, 1) > link_strength(6, 5)
        assert link_strength(6, 1, "simple") == link_strength(6, 5, "simple")


class TestSecondaryLinkStrength:
    def test_variant1(self) -> None:
        assert secondary_link_strength(1, 3) == (1 << 62) + 3 - TWO_31
        assert secondary_link_strength(3, 1) == 1 - 3 * TWO_31

    def test_simple_is_zero(self) -> None:
        assert secondary_link_strength(1, 3, "simple") == 0

    def test_variant1_makes_every_link_unique(self) -> None:
        values = [secondary_link_strength(i, j) for i in range(1, 8) for j in range(1, 8) if i != j]
        assert len(set(values)) == len(values)


class TestStrongestPaths:
    def test_widest_path_through_an_intermediate(self) -> None:
        links = [[(0, 0), (5, 0), (-1, 0)], [(-1, 0), (0, 0), (3, 0)], [(1, 0), (-1, 0), (0, 0)]]
        p = strongest_paths(links)
        assert p[0][2] == (3, 0)  # 0 -> 1 -> 2, weakest link 3
        assert p[2][1] == (1, 0)  # 2 -> 0 -> 1, weakest link 1
        assert p[1][0] == (1, 0)  # 1 -> 2 -> 0


def schulze_45_ballots() -> list[tuple[int, dict[int, int]]]:
    ids = {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5}
    groups = [
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    ]
    return [(count, {ids[c]: 5 - k for k, c in enumerate(order)}) for count, order in groups]


class TestSchulzeRanking:
    def test_schulzes_45_voter_example(self) -> None:
        # Every candidate graded positively in the voter's order: E > A > C > B > D > status quo.
        result = tally_ballots(schulze_45_ballots(), [1, 2, 3, 4, 5])
        ranks = {i: r.schulze_rank for i, r in result.initiatives.items()}
        assert ranks == {5: 1, 1: 2, 3: 3, 2: 4, 4: 5}
        assert result.status_quo_schulze_rank == 6
        assert result.winner == 5

    def test_45_voter_example_with_weights_equals_repeated_ballots(self) -> None:
        repeated = [(1, g) for n, g in schulze_45_ballots() for _ in range(n)]
        assert tally_ballots(repeated, [1, 2, 3, 4, 5]) == tally_ballots(
            schulze_45_ballots(), [1, 2, 3, 4, 5]
        )

    def test_complete_tie_goes_to_status_quo_then_older_initiatives(self) -> None:
        for tie_breaking in ("variant1", "simple"):
            ranking = schulze_ranking([[0, 2, 2], [2, 0, 2], [2, 2, 0]], "tuple", tie_breaking)
            assert ranking.ranks == (1, 2, 3)

    def test_initiative_tied_with_status_quo_ranks_below_it(self) -> None:
        result = tally_ballots([(1, {7: 1}), (1, {7: -1})], [7])
        assert (result.status_quo_schulze_rank, result.initiatives[7].schulze_rank) == (1, 2)
        assert result.winner is None

    def test_identical_initiatives_rank_older_first(self) -> None:
        result = tally_ballots([(3, {8: 1, 4: 1}), (1, {8: -1, 4: -1})], [8, 4])
        assert (result.initiatives[4].schulze_rank, result.initiatives[8].schulze_rank) == (1, 2)
        assert result.winner == 4

    def test_variant1_forbids_the_shared_weakest_link(self) -> None:
        # 0 and 1 reach each other only through the link 2 -> 3 (6:2), which is stronger than
        # 1's direct win over 0 (5:4): both strongest paths share it, so the paths tie.
        battle = [[0, 4, 10, 0], [5, 0, 10, 0], [0, 0, 0, 6], [10, 10, 2, 0]]
        variant1 = schulze_ranking(battle)
        assert variant1.paths[0][1] == variant1.paths[1][0]
        # Forbidding 2 -> 3 leaves 1's direct win: 1 now beats 0.
        assert variant1.ranks == (3, 2, 4, 1)
        # Without tie-breaking the tie goes to the lower index.
        assert schulze_ranking(battle, tie_breaking="simple").ranks == (2, 3, 4, 1)

    def test_tuple_and_simple_defeat_strength_differ(self) -> None:
        # A -> B 6:1, B -> C 6:5, C -> A 6:2; everyone beats the status quo 10:0.  With tuple
        # strength the weakest link is B -> C (most losing votes): C, A, B.  With simple strength
        # all links weigh 6 and variant1's secondary strengths decide: A, B, C.
        battle = [[0, 0, 0, 0], [10, 0, 6, 2], [10, 1, 0, 6], [10, 6, 5, 0]]
        assert schulze_ranking(battle, "tuple").ranks == (4, 2, 3, 1)
        assert schulze_ranking(battle, "simple").ranks == (4, 1, 2, 3)

    @settings(max_examples=150, deadline=None)
    @given(
        st.integers(min_value=1, max_value=5).flatmap(
            lambda n: st.lists(
                st.lists(st.integers(min_value=0, max_value=4), min_size=n, max_size=n),
                min_size=n,
                max_size=n,
            )
        ),
        st.sampled_from(["tuple", "simple"]),
        st.sampled_from(["variant1", "simple"]),
    )
    def test_ranks_are_unique_and_respect_strict_path_wins(
        self, battle: list[list[int]], defeat_strength: str, tie_breaking: str
    ) -> None:
        ranking = schulze_ranking(battle, defeat_strength, tie_breaking)  # type: ignore[arg-type]
        n = len(battle)
        assert sorted(ranking.ranks) == list(range(1, n + 1))
        for i in range(n):
            for j in range(n):
                if i != j and ranking.paths[i][j] > ranking.paths[j][i]:
                    assert ranking.ranks[i] < ranking.ranks[j]
