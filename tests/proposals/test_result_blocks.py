"""Issue 13: the compact per-issue form of the largest result lists (proposals.result_blocks)."""

import numpy as np
import pytest

from proposals.result_blocks import (
    BLOCK,
    CARRIED,
    CLOSE_MEMBER,
    DELEGATING_VOTER,
    SCOPES,
    VOTE,
    block_start,
    check_votes,
    decode,
    delegating_voters,
    encode,
    keys,
    votes,
)

TOP = 2**31 - 1


def member_votes(n: int) -> np.ndarray:
    return votes(np.arange(1, n + 1), np.full(n, 7), np.arange(n) % 5 - 2)


def round_trip(entries: np.ndarray) -> tuple[list[tuple[int, int, int]], np.ndarray]:
    blocks = encode("vote", entries)
    spans = [(b.first_key, b.last_key, b.count) for b in blocks]
    decoded = [decode("vote", b.data) for b in blocks]
    return spans, np.concatenate(decoded) if decoded else np.zeros(0, VOTE)


def test_an_empty_issue_has_no_block() -> None:
    assert encode("vote", np.zeros(0, VOTE)) == []
    check_votes(np.zeros(0, VOTE))


@pytest.mark.parametrize(
    "n, spans",
    [
        (1, [(1, 1, 1)]),
        (BLOCK - 1, [(1, 1023, 1023)]),
        (BLOCK, [(1, 1024, 1024)]),
        (BLOCK + 1, [(1, 1024, 1024), (1025, 1025, 1)]),
        (3 * BLOCK, [(1, 1024, 1024), (1025, 2048, 1024), (2049, 3072, 1024)]),
    ],
)
def test_blocks_hold_at_most_block_entries_by_position(
    n: int, spans: list[tuple[int, int, int]]
) -> None:
    entries = member_votes(n)
    got, decoded = round_trip(entries)
    assert got == spans
    assert decoded.tobytes() == entries.tobytes()
    assert decoded["grade"].tolist() == [i % 5 - 2 for i in range(n)]


def test_the_bytes_are_little_endian_and_fixed_width() -> None:
    entries = votes([1], [2], [-3])
    (block,) = encode("vote", entries)
    assert block.data == (
        (1).to_bytes(4, "little")
        + (2).to_bytes(4, "little")
        + (-3).to_bytes(4, "little", signed=True)
        + b"\0" * 32
    )
    assert VOTE.itemsize == 44


def test_ids_near_the_32_bit_limit_and_negative_grades_survive() -> None:
    entries = votes([TOP - 1, TOP], [TOP, TOP], [-(10**6), 10**6])
    _, decoded = round_trip(entries)
    assert decoded.tolist() == [(TOP - 1, TOP, -(10**6), b""), (TOP, TOP, 10**6, b"")]


def test_a_value_beyond_32_bits_is_refused_not_wrapped() -> None:
    with pytest.raises(OverflowError):
        votes([TOP + 1], [1], [1])
    with pytest.raises(OverflowError):
        votes([1], [1], [-(2**31) - 1])


def test_anonymous_votes_keep_their_ballot_id() -> None:
    ballot = "0123456789abcdef0123456789abcdef"
    entries = np.concatenate(
        [votes([5], [1], [1]), votes([0, 0], [1, 2], [-1, 0], [ballot.encode()] * 2)]
    )
    check_votes(entries)
    _, decoded = round_trip(entries)
    assert decoded.tolist() == [
        (5, 1, 1, b""),
        (0, 1, -1, ballot.encode()),
        (0, 2, 0, ballot.encode()),
    ]


@pytest.mark.parametrize(
    "entries",
    [
        votes([1, 1], [3, 3], [1, 1]),  # a member grades an initiative twice
        votes([1, 1], [4, 3], [1, 1]),  # out of order
        votes([2, 1], [1, 1], [1, 1]),  # members out of order
        votes([0, 0], [3, 3], [1, 1], [b"b1", b"b1"]),  # an anonymous ballot, twice
        votes([0, 0, 0], [3, 4, 5], [1, 1, 1], [b"b1", b"b2", b"b1"]),  # b1 split
        votes([0], [3], [1]),  # neither member nor ballot
        votes([1], [3], [1], [b"b1"]),  # both
        votes([0, 1], [3, 3], [1, 1], [b"b1", b""]),  # a member's after an anonymous one
    ],
)
def test_what_the_old_keys_refused_is_refused(entries: np.ndarray) -> None:
    with pytest.raises(ValueError):
        check_votes(entries)


def test_distinct_ballots_pass() -> None:
    check_votes(votes([1, 1, 2, 0, 0], [3, 4, 3, 3, 3], [1] * 5, [b"", b"", b"", b"b", b"c"]))


def delegating(members: list[int]) -> np.ndarray:
    n = len(members)
    return delegating_voters(members, [m + 1 for m in members], [1] * n, [i % 3 for i in range(n)])


@pytest.mark.parametrize("n", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1])
def test_delegating_voter_blocks_are_keyed_by_member(n: int) -> None:
    members = [3 * i + 5 for i in range(n)]
    blocks = encode("delegating_voter", delegating(members))
    spans = [(b.first_key, b.last_key, b.count) for b in blocks]
    chunks = [members[i : i + BLOCK] for i in range(0, n, BLOCK)]
    assert spans == [(c[0], c[-1], len(c)) for c in chunks]
    decoded = [decode("delegating_voter", b.data).tolist() for b in blocks]
    assert [e for block in decoded for e in block] == [
        (m, m + 1, 1, i % 3) for i, m in enumerate(members)
    ]
    for block in blocks:
        entries = decode("delegating_voter", block.data)
        assert keys("delegating_voter", block.first_key, entries)[-1] == block.last_key
    assert DELEGATING_VOTER.itemsize == 13
    assert SCOPES == ("unit", "area", "issue")


def test_delegating_voters_near_the_32_bit_limit() -> None:
    entries = delegating_voters([TOP - 1, TOP], [TOP, 1], [TOP, 2], [2, 1])
    (block,) = encode("delegating_voter", entries)
    assert (block.first_key, block.last_key) == (TOP - 1, TOP)
    assert decode("delegating_voter", block.data).tolist() == [
        (TOP - 1, TOP, TOP, 2),
        (TOP, 1, 2, 1),
    ]


@pytest.mark.parametrize("members", [[2, 1], [1, 1]])
def test_delegating_voters_out_of_member_order_are_refused(members: list[int]) -> None:
    with pytest.raises(ValueError):
        encode("delegating_voter", delegating(members))


def test_an_unknown_scope_is_refused() -> None:
    with pytest.raises(ValueError):
        delegating_voters([1], [2], [1], [3])


@pytest.mark.parametrize("n", [1, BLOCK, BLOCK + 1, 3 * BLOCK + 2])
def test_a_positional_list_puts_each_position_in_the_block_computed_for_it(n: int) -> None:
    """Issue 13, item 1: ``carried`` entries are keyed by position like votes, so the block of a
    position is known without a lookup (``block_start``)."""
    entries = np.zeros(n, dtype=CARRIED)
    entries["member_id"] = np.arange(n, 0, -1)  # positional: any member order
    blocks = encode("carried", entries)
    starts = {b.first_key: b for b in blocks}
    for position in (1, n, *range(BLOCK - 1, n + 1, BLOCK)):
        block = starts[block_start(position)]
        assert block.first_key <= position <= block.last_key
        decoded = decode("carried", block.data)
        assert keys("carried", block.first_key, decoded)[position - block.first_key] == position
        assert int(decoded["member_id"][position - block.first_key]) == n - position + 1
    assert (CLOSE_MEMBER.itemsize, CARRIED.itemsize) == (33, 13)


@pytest.mark.parametrize("members", [[2, 1], [1, 1]])
def test_close_members_out_of_member_order_are_refused(members: list[int]) -> None:
    entries = np.zeros(len(members), dtype=CLOSE_MEMBER)
    entries["member_id"] = members
    with pytest.raises(ValueError):
        encode("close_member", entries)
