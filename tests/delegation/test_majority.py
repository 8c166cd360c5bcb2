"""Majorities, eligibility, winner and rank (DESIGN.md section 4)."""

import pytest

from delegation import (
    Delegation,
    InvalidPolicyError,
    Policy,
    count_ballots,
    direct_majority,
    indirect_majorities,
    majority_test,
    resolve_delegations,
    tally_ballots,
)

A, B, X, Y = 1, 2, 3, 4


class TestPolicy:
    def test_defaults(self) -> None:
        p = Policy()
        assert (p.direct_majority_num, p.direct_majority_den, p.direct_majority_strict) == (
            1,
            2,
            True,
        )
        assert (p.defeat_strength, p.tie_breaking) == ("tuple", "variant1")
        assert not p.no_reverse_beat_path and not p.no_multistage_majority

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"defeat_strength": "simple", "no_reverse_beat_path": True},
            {"direct_majority_den": 0},
            {"indirect_majority_num": -1},
            {"direct_majority_positive": -1},
            {"defeat_strength": "weird"},
            {"tie_breaking": "variant2"},
        ],
    )
    def test_rejects_inconsistent_parameters(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(InvalidPolicyError):
            Policy(**kwargs)  # type: ignore[arg-type]


class TestMajorityTest:
    def test_strict_and_non_strict(self) -> None:
        assert not majority_test(5, 5, 10, 1, 2, True, 0, 0)
        assert majority_test(5, 5, 10, 1, 2, False, 0, 0)
        assert majority_test(6, 4, 10, 1, 2, True, 0, 0)

    def test_thresholds(self) -> None:
        assert not majority_test(6, 4, 10, 1, 2, True, 7, 0)
        assert majority_test(6, 4, 10, 1, 2, True, 6, 0)
        # voter_count - lost = 6 (abstentions count as non-negative)
        assert not majority_test(6, 4, 10, 1, 2, True, 0, 7)
        assert majority_test(6, 4, 10, 1, 2, True, 0, 6)


class TestDirectMajority:
    def test_two_thirds(self) -> None:
        c = count_ballots([(2, {A: 1}), (1, {A: -1})], [A])
        assert not direct_majority(c, A, Policy(direct_majority_num=2, direct_majority_den=3))
        assert direct_majority(
            c,
            A,
            Policy(direct_majority_num=2, direct_majority_den=3, direct_majority_strict=False),
        )


class TestIndirectMajorities:
    def test_gained_by_beating_an_initiative_that_has_it(self) -> None:
        # X fails against the status quo (4:6) but beats Y (6:4), which has a majority (8:2).
        ballots = [(4, {X: 2, Y: 1}), (4, {X: -1, Y: 1}), (2, {X: -1, Y: -2})]
        c = count_ballots(ballots, [X, Y])
        assert indirect_majorities(c, Policy()) == {X, Y}
        result = tally_ballots(ballots, [X, Y])
        assert not result.initiatives[X].direct_majority
        assert result.initiatives[X].indirect_majority

    def test_not_gained_without_a_majority_over_it(self) -> None:
        ballots = [(4, {X: 2, Y: 1}), (4, {X: -1, Y: 1}), (2, {X: -1, Y: -2})]
        c = count_ballots(ballots, [X, Y])
        strict_3_5 = Policy(indirect_majority_num=3, indirect_majority_den=5)
        assert indirect_majorities(c, strict_3_5) == {Y}


class TestTallyBallots:
    def test_no_majority_no_winner(self) -> None:
        result = tally_ballots([(1, {A: 1}), (1, {A: -1}), (3, {})], [A])
        r = result.initiatives[A]
        assert (r.direct_majority, r.better_than_status_quo, r.eligible) == (False, False, False)
        assert result.winner is None
        assert r.rank == 1  # rank 1 without a winner
        assert result.voter_count == 5

    def test_non_strict_majority_wins_where_strict_does_not(self) -> None:
        ballots = [(2, {A: 1}), (1, {A: -1})]
        two_thirds = {"direct_majority_num": 2, "direct_majority_den": 3}
        assert tally_ballots(ballots, [A], Policy(**two_thirds)).winner is None  # type: ignore[arg-type]
        non_strict = Policy(**two_thirds, direct_majority_strict=False)  # type: ignore[arg-type]
        assert tally_ballots(ballots, [A], non_strict).winner == A

    def test_reverse_beat_path_and_its_policy(self) -> None:
        # A beats SQ 7:2, SQ beats B 6:3, B beats A 5:4: a cycle; Schulze ranks A, SQ, B and
        # the path SQ -> B -> A has strength >= 0.
        ballots = [(4, {A: 1, B: -1}), (3, {B: 2, A: 1}), (2, {A: -2, B: -1})]
        default = tally_ballots(ballots, [A, B])
        assert default.initiatives[A].reverse_beat_path is True
        assert default.initiatives[A].schulze_rank == 1
        assert default.winner == A
        forbidding = tally_ballots(ballots, [A, B], Policy(no_reverse_beat_path=True))
        assert forbidding.winner is None
        assert not forbidding.initiatives[A].eligible
        assert forbidding.initiatives[A].rank == 1  # rank 1 without a winner
        simple = tally_ballots(ballots, [A, B], Policy(defeat_strength="simple"))
        assert simple.initiatives[A].reverse_beat_path is None

    def test_no_reverse_beat_path_when_status_quo_loses_every_path(self) -> None:
        result = tally_ballots([(3, {A: 1}), (1, {A: -1})], [A])
        assert result.initiatives[A].reverse_beat_path is False

    def test_multistage_majority_and_its_policy(self) -> None:
        # X is preferred to A by 7 (3 of them do not approve X), so A has a multistage majority.
        # X misses the 5 positive votes its direct majority needs, so A is the winner unless
        # no_multistage_majority excludes A too.
        ballots = [(4, {A: 1, X: 2}), (3, {A: 1}), (3, {A: -1})]
        policy = Policy(direct_majority_positive=5)
        default = tally_ballots(ballots, [A, X], policy)
        assert default.initiatives[X].schulze_rank == 1
        assert default.initiatives[A].multistage_majority
        assert default.winner == A
        # The winner ranks first even though X has the better Schulze rank.
        assert (default.initiatives[A].rank, default.initiatives[X].rank) == (1, 2)
        strict = Policy(direct_majority_positive=5, no_multistage_majority=True)
        excluded = tally_ballots(ballots, [A, X], strict)
        assert excluded.winner is None
        assert not excluded.initiatives[A].eligible
        assert (excluded.initiatives[X].rank, excluded.initiatives[A].rank) == (1, 2)

    def test_initiatives_worse_than_the_status_quo_have_multistage_majority(self) -> None:
        result = tally_ballots([(1, {A: -1}), (2, {B: 1})], [A, B])
        assert result.initiatives[A].multistage_majority
        assert not result.initiatives[A].better_than_status_quo
        assert not result.initiatives[B].multistage_majority
        assert result.winner == B

    def test_result_fields_and_battle_matrix(self) -> None:
        result = tally_ballots({10: (2, {A: 2, B: 1}), 11: (1, {A: -1, B: 1})}, [A, B])
        assert result.battle == {
            (None, A): 1,
            (None, B): 0,
            (A, None): 2,
            (B, None): 3,
            (A, B): 2,
            (B, A): 1,
        }
        a = result.initiatives[A]
        assert (a.positive_votes, a.negative_votes, a.first_preference_votes) == (2, 1, 2)
        assert result.initiatives[B].first_preference_votes == 1
        assert result.voter_count == 3
        assert result.winner == A
        assert [result.initiatives[i].rank for i in (A, B)] == [1, 2]
        assert result.initiatives[A].winner and not result.initiatives[B].winner

    def test_no_admitted_initiatives(self) -> None:
        result = tally_ballots([(1, {})], [])
        assert (result.winner, result.status_quo_schulze_rank, result.voter_count) == (None, 1, 1)
        assert result.battle == {}


class TestResolutionToTally:
    def test_all_zero_ballot_cuts_the_casters_delegation_and_counts_as_a_voter(self) -> None:
        # Member 1 delegates to 2 but casts an all-zero ballot: weight 1 each, voter_count 2.
        resolution = resolve_delegations({1, 2}, [Delegation(1, 2, "unit")], {1, 2})
        grades = {1: {}, 2: {A: 1}}
        ballots = {m: (w, grades[m]) for m, w in resolution.weights.items()}
        result = tally_ballots(ballots, [A, B])
        assert dict(resolution.weights) == {1: 1, 2: 1}
        assert result.voter_count == 2
        assert result.initiatives[A].positive_votes == 1
        assert set(result.initiatives) == {A, B}  # admitted only; the caller leaves others null
