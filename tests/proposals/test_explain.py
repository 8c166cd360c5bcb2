"""The explanation of a closed issue's result (proposals/services/explain.py), on rows made by the
real tally (delegation.tally_ballots), as the close stores them."""

from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from delegation import Ballot, tally_ballots
from proposals.lifecycle import _tally_policy
from proposals.models import Initiative, Issue, Policy
from proposals.services.explain import (
    TIE_RULES,
    Candidate,
    explain_result,
    majority_got,
    majority_needed,
)
from tests.factories import NOW, policy_fields

Rows = tuple[Issue, Policy, list[Initiative], dict[tuple[Candidate, Candidate], int]]


def closed(
    ballots: list[Ballot],
    names: list[str],
    *,
    others: list[Initiative] | None = None,
    **policy: Any,
) -> Rows:
    """An issue closed with these ballots over initiatives 1, 2 … named ``names``, its rows filled
    from :func:`tally_ballots` exactly as :func:`proposals.lifecycle.close_voting` fills them."""
    made = Policy(id=1, created_at=NOW, **policy_fields(**policy))
    ids = list(range(1, len(names) + 1))
    result = tally_ballots(ballots, ids, _tally_policy(made))
    initiatives = []
    for i, name in zip(ids, names, strict=True):
        outcome = result.initiatives[i]
        initiatives.append(
            Initiative(
                id=i,
                issue_id=1,
                name=name,
                created_at=NOW,
                admitted=True,
                satisfied_supporter_count=1,
                **{
                    field: getattr(outcome, field)
                    for field in (
                        "positive_votes",
                        "negative_votes",
                        "first_preference_votes",
                        "direct_majority",
                        "indirect_majority",
                        "schulze_rank",
                        "better_than_status_quo",
                        "reverse_beat_path",
                        "multistage_majority",
                        "eligible",
                        "winner",
                        "rank",
                    )
                },
            )
        )
    issue = _issue(
        "finished_with_winner" if result.winner is not None else "finished_without_winner",
        voter_count=result.voter_count,
        status_quo_schulze_rank=result.status_quo_schulze_rank,
    )
    return issue, made, initiatives + (others or []), dict(result.battle)


def _issue(state: str, **fields: Any) -> Issue:
    return Issue(
        id=1,
        area_id=1,
        unit_id=1,
        policy_id=1,
        state=state,
        created_at=NOW,
        closed_at=NOW + timedelta(days=3),
        min_admission_time=0,
        max_admission_time=86400,
        discussion_time=86400,
        verification_time=86400,
        voting_time=86400,
        population=fields.pop("population", 20),
        **fields,
    )


def _yes_no(yes: int, no: int, abstain: int = 0) -> list[Ballot]:
    return (
        [(yes, {1: 1}), (no, {1: -1}), (abstain, {})] if abstain else [(yes, {1: 1}), (no, {1: -1})]
    )


class TestMajorityNeeded:
    def test_strict_and_not(self) -> None:
        assert majority_needed(Policy(**policy_fields())) == "more than 1/2 approval"
        two_thirds = Policy(
            **policy_fields(
                direct_majority_num=2, direct_majority_den=3, direct_majority_strict=False
            )
        )
        assert majority_needed(two_thirds) == "at least 2/3 approval"

    def test_minimum_counts(self) -> None:
        policy = Policy(
            **policy_fields(direct_majority_positive=10, direct_majority_non_negative=12)
        )
        assert majority_needed(policy) == (
            "more than 1/2 approval and at least 10 approvals"
            " and at least 12 voters not disapproving"
        )


class TestMajorityGot:
    def test_share_of_those_who_took_a_side_rounded_down(self) -> None:
        assert majority_got(8, 7) == "got 8 of 15, 53 %"
        assert majority_got(10, 5) == "got 10 of 15, 66 %"  # 66.7 %: never shown as 67 %
        assert majority_got(3, 0) == "got 3 of 3, 100 %"
        assert majority_got(0, 0) == "got no approval or disapproval"


class TestExplainResult:
    def test_a_winner(self) -> None:
        explained = explain_result(*closed(_yes_no(3, 1), ["Cycle lanes"]))
        assert explained.state == "finished_with_winner"
        assert explained.sentence == (
            "Cycle lanes won: it reached the required majority (more than 1/2 approval: got 3 of"
            " 4, 75 %) and ranked best by the Schulze method among the initiatives that met"
            " every condition of the policy."
        )
        (only,) = explained.initiatives
        assert only.majority_text == "needed more than 1/2 approval: got 3 of 4, 75 %"
        assert (only.approve, only.disapprove, only.abstain) == (3, 1, 0)
        assert only.reached is True and only.winner is True
        assert only.verdict.startswith("Won")
        assert [(r.name, r.schulze_rank) for r in explained.ranking] == [
            ("Cycle lanes", 1),
            ("Status quo", 2),
        ]
        assert explained.tie_rule is None

    def test_failing_a_two_thirds_majority(self) -> None:
        rows = closed(_yes_no(8, 7, 2), ["Tram"], direct_majority_num=2, direct_majority_den=3)
        explained = explain_result(*rows)
        assert explained.state == "finished_without_winner"
        (only,) = explained.initiatives
        assert only.majority_text == "needed more than 2/3 approval: got 8 of 15, 53 %"
        assert (only.approve, only.disapprove, only.abstain) == (8, 7, 2)
        assert only.reached is False
        assert only.verdict == "Not eligible: it did not reach the required majority."
        assert explained.sentence == (
            "No initiative reached the required majority (more than 2/3 approval),"
            " so the status quo stays."
        )
        # It beat the status quo (8 > 7): the ranking shows it above, yet it did not win.
        assert [r.initiative_id for r in explained.ranking] == [1, None]
        assert explained.ranking[0].better_than_status_quo is True

    def test_no_initiative_beats_the_status_quo(self) -> None:
        explained = explain_result(*closed(_yes_no(1, 3), ["Toll"]))
        assert explained.sentence == (
            "No initiative beat the status quo in the Schulze ranking, so the status quo stays."
        )
        (only,) = explained.initiatives
        assert only.verdict == (
            "Not eligible: it did not reach the required majority, ranked below the status quo"
            " by the Schulze method and had no indirect majority (over the status quo, or over an"
            " initiative that has one)."
        )
        assert [r.initiative_id for r in explained.ranking] == [None, 1]

    def test_a_tie_between_initiatives_goes_to_the_older_by_the_policy_rule(self) -> None:
        for rule in ("variant1", "simple"):
            rows = closed(
                [(2, {1: 1, 2: 1}), (1, {1: -1, 2: -1})], ["Old", "New"], tie_breaking=rule
            )
            explained = explain_result(*rows)
            assert [i.name for i in explained.initiatives if i.winner] == ["Old"], rule
            assert explained.sentence == (
                "Old won: it was tied with New in the Schulze comparison, the policy's"
                " tie-breaking rule ranked it first, and it met every condition of the policy"
                " (more than 1/2 approval: got 2 of 3, 66 %)."
            ), rule
            assert explained.tie_rule == TIE_RULES[rule]

    def test_no_tie_is_claimed_when_the_votes_decided(self) -> None:
        rows = closed([(2, {1: 2, 2: 1}), (1, {1: 1, 2: 2})], ["First", "Second"])
        explained = explain_result(*rows)
        assert "tied" not in explained.sentence and explained.tie_rule is None
        assert explained.sentence.startswith("First won: it reached the required majority")
        second = explained.initiatives[1]
        assert second.name == "Second"
        assert second.verdict == "Met every condition of the policy but ranked below the winner."

    def test_a_tie_with_the_status_quo_goes_to_the_status_quo(self) -> None:
        rows = closed(
            _yes_no(2, 2), ["Even"], direct_majority_strict=False, indirect_majority_strict=False
        )
        explained = explain_result(*rows)
        (only,) = explained.initiatives
        assert only.reached is True  # at least 1/2: 2 of 4 is enough ...
        assert only.verdict == (
            "Not eligible: it ranked below the status quo by the Schulze method."
        )  # ... but the tie with the status quo went to the status quo
        assert explained.sentence == (
            "No initiative beat the status quo: Even was tied with it, and the policy's"
            " tie-breaking rule favours the status quo, so the status quo stays."
        )
        assert explained.tie_rule == TIE_RULES["variant1"]

    def test_nobody_voted(self) -> None:
        explained = explain_result(*closed([], ["Lonely"]))
        assert (
            explained.sentence == "Nobody voted, so no initiative beat the status quo and it stays."
        )
        assert explained.initiatives[0].majority_text == (
            "needed more than 1/2 approval: got no approval or disapproval"
        )

    def test_initiatives_not_voted_on(self) -> None:
        revoked = Initiative(
            id=8, issue_id=1, name="Gone", created_at=NOW, revoked_at=NOW, admitted=None
        )
        refused = Initiative(
            id=9,
            issue_id=1,
            name="Few",
            created_at=NOW,
            admitted=False,
            satisfied_supporter_count=1,
        )
        explained = explain_result(*closed(_yes_no(3, 1), ["Main"], others=[revoked, refused]))
        by_name = {i.name: i for i in explained.initiatives}
        assert [i.name for i in explained.initiatives] == ["Main", "Gone", "Few"]
        assert by_name["Gone"].verdict == "Revoked by its initiators before the vote."
        # population 20, initiative quorum 1/10: 2 satisfied supporters needed
        assert (
            by_name["Few"].verdict == "Not admitted to the vote: 1 satisfied supporter, 2 needed."
        )
        assert by_name["Few"].majority_text is None and by_name["Few"].approve is None


class TestCanceledIssues:
    def _explain(self, state: str, initiatives: list[Initiative] | None = None) -> str:
        policy = Policy(id=1, created_at=NOW, **policy_fields())
        listed = initiatives or [Initiative(id=1, issue_id=1, name="Only", created_at=NOW)]
        return explain_result(_issue(state), policy, listed, {}).sentence

    def test_each_canceled_state_has_its_sentence(self) -> None:
        assert self._explain("canceled_issue_not_accepted") == (
            "No initiative reached the issue quorum (2 supporters) before admission ended,"
            " so the issue was canceled."
        )
        assert self._explain("canceled_no_initiative_admitted") == (
            "No initiative reached the initiative quorum (2 satisfied supporters) when"
            " verification ended, so there was nothing to vote on and the issue was canceled."
        )
        assert self._explain("canceled_by_admin") == "An administrator canceled the issue."
        assert "revoked during admission" in self._explain("canceled_revoked_before_accepted")
        assert "during discussion" in self._explain("canceled_after_revocation_during_discussion")
        assert "during verification" in self._explain(
            "canceled_after_revocation_during_verification"
        )

    def test_an_initiative_of_a_canceled_issue_was_not_voted_on(self) -> None:
        policy = Policy(id=1, created_at=NOW, **policy_fields())
        only = Initiative(id=1, issue_id=1, name="Only", created_at=NOW)
        explained = explain_result(_issue("canceled_by_admin"), policy, [only], {})
        assert explained.initiatives[0].verdict == "Not voted on: the issue ended before the vote."
        assert explained.ranking == [] and explained.voter_count is None


grades = st.integers(min_value=-2, max_value=2)
ballots_strategy = st.lists(
    st.tuples(st.integers(min_value=1, max_value=3), st.tuples(grades, grades, grades)),
    max_size=6,
)


class TestNeverDisagreesWithTheStoredResult:
    @settings(max_examples=300, deadline=None)
    @given(
        ballots=ballots_strategy,
        count=st.integers(min_value=1, max_value=3),
        strict=st.booleans(),
        num=st.integers(min_value=1, max_value=3),
        rule=st.sampled_from(["variant1", "simple"]),
    )
    def test_random_votes(
        self,
        ballots: list[tuple[int, tuple[int, int, int]]],
        count: int,
        strict: bool,
        num: int,
        rule: str,
    ) -> None:
        names = ["One", "Two", "Three"][:count]
        weighted: list[Ballot] = [
            (weight, {i + 1: g for i, g in enumerate(given[:count]) if g})
            for weight, given in ballots
        ]
        rows = closed(
            weighted,
            names,
            direct_majority_num=num,
            direct_majority_den=4,
            direct_majority_strict=strict,
            tie_breaking=rule,
        )
        issue, _, initiatives, _ = rows
        explained = explain_result(*rows)
        stored = {i.id: i for i in initiatives}
        winner = next((i for i in initiatives if i.winner), None)
        if winner is not None:
            assert explained.sentence.startswith(f"{winner.name} won: ")
        else:
            assert " won: " not in explained.sentence
            assert explained.sentence.endswith("stays.")
            if any(i.better_than_status_quo for i in initiatives):
                assert "beat the status quo" not in explained.sentence
        assert ("tied" in explained.sentence) == (explained.tie_rule is not None)
        for entry in explained.initiatives:
            row = stored[entry.initiative_id]
            assert entry.reached == row.direct_majority
            assert (entry.approve, entry.disapprove) == (row.positive_votes, row.negative_votes)
            assert entry.approve is not None and entry.disapprove is not None
            assert entry.abstain is not None and entry.abstain >= 0
            assert entry.approve + entry.disapprove + entry.abstain == issue.voter_count
            assert entry.verdict.startswith("Won") == bool(row.winner)
            assert entry.verdict.startswith("Not eligible") == (not row.eligible)
        assert [r.schulze_rank for r in explained.ranking] == list(range(1, count + 2))
        assert [r.initiative_id for r in explained.ranking if r.better_than_status_quo] == [
            i.id
            for i in sorted(initiatives, key=lambda i: i.schulze_rank or 0)
            if i.better_than_status_quo
        ]
