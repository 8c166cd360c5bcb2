"""How was my vote counted? (issue 12, item 2): the pure answer from a record's inputs."""

from typing import Any

import pytest

from proposals.vote_explanation import CASES, explain_vote


def document(
    eligible: list[int],
    rows: list[tuple[int, int | None, str]],
    ballots: dict[int, dict[int, int]],
) -> dict[str, Any]:
    """The inputs of a record that :func:`explain_vote` reads."""
    return {
        "inputs": {
            "eligible_member_ids": eligible,
            "delegations": [
                {"truster_id": t, "trustee_id": e, "scope": s, "scope_id": 1} for t, e, s in rows
            ],
            "ballots": [
                {
                    "member_id": m,
                    "grades": [{"initiative_id": i, "grade": g} for i, g in grades.items()],
                }
                for m, grades in ballots.items()
            ],
        }
    }


# 3 -> 1 (unit), 4 -> 3 (area), 5 blocks the issue, 6 -> 5, 7 <-> 8, 9 -> 20 (not eligible);
# 1 and 2 vote; 20 is not eligible; 10 is eligible and does nothing.
DOC = document(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    [
        (3, 1, "unit"),
        (4, 3, "area"),
        (4, 9, "unit"),
        (5, None, "issue"),
        (5, 1, "unit"),
        (6, 5, "unit"),
        (7, 8, "unit"),
        (8, 7, "unit"),
        (9, 20, "unit"),
        (20, 1, "unit"),
    ],
    {1: {10: 2, 11: 1}, 2: {}, 20: {10: -2}},
)


def test_voted_directly_with_whose_votes_by_scope() -> None:
    answer = explain_vote(DOC, 1)
    assert answer["case"] == "voted_directly"
    assert answer["weight"] == 3
    assert answer["grades"] == [
        {"initiative_id": 10, "grade": 2},
        {"initiative_id": 11, "grade": 1},
    ]
    assert answer["carried"] == [
        {"scope": "area", "member_ids": [4]},
        {"scope": "unit", "member_ids": [3]},
    ]
    assert "weight 3" in answer["sentence"]
    alone = explain_vote(DOC, 2, you=True)
    assert (alone["case"], alone["weight"], alone["carried"]) == ("voted_directly", 1, [])
    assert alone["sentence"].startswith("You voted directly")


def test_delegated_and_counted_along_the_chain() -> None:
    answer = explain_vote(DOC, 4)
    assert answer["case"] == "delegated_counted"
    assert answer["steps"] == [{"member_id": 3, "scope": "area"}, {"member_id": 1, "scope": "unit"}]
    assert (answer["voter_id"], answer["voter_weight"], answer["weight"]) == (1, 3, 1)
    assert answer["grades"] == explain_vote(DOC, 1)["grades"]
    assert explain_vote(DOC, 3)["weight"] == 2
    assert "one of member 1's 3 votes" in answer["sentence"]


@pytest.mark.parametrize(
    ("member", "chain", "ended_at", "end"),
    [
        (6, [5], 5, "blocked"),
        (7, [8, 7], 7, "loop"),
        (9, [20], 20, "not_eligible"),
    ],
)
def test_delegated_but_not_counted(member: int, chain: list[int], ended_at: int, end: str) -> None:
    answer = explain_vote(DOC, member)
    assert answer["case"] == "delegated_not_counted"
    assert [s["member_id"] for s in answer["steps"]] == answer["chain"] == chain
    assert (answer["ended_at"], answer["end"]) == (ended_at, end)
    assert "not counted" in answer["sentence"]


def test_chain_ending_at_a_member_who_neither_voted_nor_delegated() -> None:
    answer = explain_vote(document([1, 2, 3], [(1, 2, "unit")], {3: {}}), 1)
    assert (answer["case"], answer["ended_at"], answer["end"]) == (
        "delegated_not_counted",
        2,
        "did_not_vote",
    )


def test_not_eligible_even_with_a_ballot_and_a_delegation() -> None:
    for member in (20, 99):
        answer = explain_vote(DOC, member)
        assert answer["case"] == "not_eligible"
        assert answer["reason"] == "not_among_eligible_members"


def test_not_participating_with_and_without_a_block() -> None:
    assert explain_vote(DOC, 10)["case"] == "not_participating"
    assert explain_vote(DOC, 10)["blocked_scope"] is None
    blocked = explain_vote(DOC, 5, you=True)
    assert (blocked["case"], blocked["blocked_scope"]) == ("not_participating", "issue")
    assert "you blocked issue delegation" in blocked["sentence"]


def test_every_answer_is_one_case_with_one_sentence() -> None:
    for member in [*range(1, 11), 20]:
        answer = explain_vote(DOC, member)
        assert answer["case"] in CASES
        sentence = answer["sentence"]
        assert sentence.endswith(".") and sentence.count(". ") == 0
