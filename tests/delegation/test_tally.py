"""Counting ballots: merging, battles, positive/negative and first-preference votes."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from delegation import InvalidBallotError, count_ballots, merge_ballots
from tests.delegation.reference import ballot_sets, naive_battles

Ballots = tuple[list[int], list[tuple[int, dict[int, int]]]]


class TestMergeBallots:
    def test_identical_ballots_merge_whatever_the_key_order_and_zeros(self) -> None:
        merged = merge_ballots([(1, {1: 2, 2: -1}), (2, {2: -1, 1: 2, 3: 0}), (1, {})], [1, 2, 3])
        assert merged == {((1, 2), (2, -1)): 3, (): 1}

    @pytest.mark.parametrize(
        ("ballot", "message"),
        [
            ((0, {1: 1}), "at least 1"),
            ((1, {1: 1.5}), "not an integer"),
            ((1, {1: True}), "not an integer"),
            ((1, {9: 1}), "not admitted"),
        ],
    )
    def test_rejects_invalid_ballots(
        self, ballot: tuple[int, dict[int, object]], message: str
    ) -> None:
        with pytest.raises(InvalidBallotError, match=message):
            merge_ballots([ballot], [1])  # type: ignore[list-item]

    def test_zero_grade_for_a_not_admitted_initiative_is_harmless(self) -> None:
        assert merge_ballots([(1, {9: 0})], [1]) == {(): 1}


class TestCountBallots:
    def test_all_zero_ballot_counts_as_a_voter_and_nothing_else(self) -> None:
        c = count_ballots([(3, {}), (2, {1: 0})], [1])
        assert c.voter_count == 5
        assert c.battle == {(1, None): 0, (None, 1): 0}
        assert (c.positive_votes, c.negative_votes, c.first_preference_votes) == (
            {1: 0},
            {1: 0},
            {1: 0},
        )

    def test_positive_and_negative_votes_are_battles_against_the_status_quo(self) -> None:
        c = count_ballots([(2, {1: 1, 2: -1}), (1, {1: -3}), (4, {2: 2})], [1, 2])
        assert (c.positive_votes, c.negative_votes) == ({1: 2, 2: 4}, {1: 1, 2: 2})
        assert c.battle[1, None] == 2 and c.battle[None, 1] == 1
        assert c.battle[1, 2] == 2 + 1 * 0 and c.battle[2, 1] == 1 + 4

    def test_first_preference_goes_in_full_to_every_initiative_sharing_the_top_grade(self) -> None:
        c = count_ballots([(2, {1: 3, 2: 3, 3: 1}), (1, {3: 2, 1: -1}), (5, {1: -1})], [1, 2, 3])
        assert c.first_preference_votes == {1: 2, 2: 2, 3: 1}

    def test_every_ordered_pair_including_the_status_quo_is_present(self) -> None:
        c = count_ballots([], [5, 3])
        assert c.candidates == (None, 3, 5)
        assert set(c.battle) == {(None, 3), (None, 5), (3, None), (5, None), (3, 5), (5, 3)}
        assert c.matrix() == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]

    @settings(max_examples=150, deadline=None)
    @given(ballot_sets(), st.randoms(use_true_random=False))
    def test_agrees_with_naive_pairwise_counting_in_any_order(
        self, case: Ballots, rnd: random.Random
    ) -> None:
        admitted, ballots = case
        c = count_ballots(ballots, admitted)
        assert c.battle == naive_battles(ballots, admitted)
        assert c.voter_count == sum(w for w, _ in ballots)
        assert count_ballots(rnd.sample(ballots, len(ballots)), admitted[::-1]) == c
