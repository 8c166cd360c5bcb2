"""The compact form of a closed issue's largest result lists (issue 13): pure numpy, no database.

A list of one issue -- its votes (kind ``vote``), its delegating voters (kind
``delegating_voter``, keyed by member id), and the index of its record that explains one
member's vote (kinds ``close_member``, keyed by member id, and ``carried``, by position: see
:data:`CLOSE_MEMBER` and :data:`CARRIED`) -- is stored as ``result_block`` rows of at
most :data:`BLOCK` entries each, entries in ascending key order, each block's ``data`` the bytes
of a little-endian numpy structured array of the kind's fixed dtype (:data:`DTYPES`). A block
names the first and last key it holds, so one entry or one page is read from the one or few
blocks holding its keys, never from the whole issue. A vote's key is its position 1..n in the
issue (members' grades by member and initiative, then the anonymous ballots' in their order):
the keys of a vote block are ``first_key, first_key + 1, ...`` and are not stored per entry.
A positional list (:data:`POSITIONAL`) fills its blocks in order, so position ``p`` is in the
block starting at :func:`block_start` ``(p)``.
The migration that introduced the form (``alembic/versions/2026-12-05-0000_result_blocks.py``)
keeps its own frozen copy of the encoding.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BLOCK = 1024
"""Entries per block at most."""

VOTE = np.dtype(
    [("member_id", "<i4"), ("initiative_id", "<i4"), ("grade", "<i4"), ("ballot_id", "S32")]
)
"""A counted grade: ``member_id`` 0 for an anonymous ballot's, whose ``ballot_id`` is then set
(ASCII, at most 32 characters); ``b""`` for a member's."""

DELEGATING_VOTER = np.dtype(
    [("member_id", "<i4"), ("trustee_id", "<i4"), ("weight", "<i4"), ("scope", "u1")]
)
"""A delegating voter, keyed by ``member_id``: ``scope`` an index into :data:`SCOPES`."""

SCOPES = ("unit", "area", "issue")

CLOSE_MEMBER = np.dtype(
    [
        ("member_id", "<i4"),
        ("trustees", "<i4", (3,)),
        ("flags", "u1"),
        ("votes_at", "<i4"),
        ("votes", "<i4"),
        ("carried_at", "<i4"),
        ("carried", "<i4"),
    ]
)
"""A member eligible at a close, keyed by ``member_id`` (written with the record, issue 13):
their delegation rows at the close -- ``trustees`` by :data:`SCOPES` index, 0 for a block or no
row, and :data:`STOOD` bits of ``flags`` saying which rows stood -- whether they cast a ballot
kept with their name (:data:`CAST`) or one kept without it (:data:`SECRET`), whether a
delegation applied to them whose chain reached no direct voter (:data:`LOST`), the positions
``votes_at`` to ``votes_at + votes - 1`` of their named grades among the issue's votes, and those
of the delegating voters whose trustee they were among the ``carried`` entries."""

CARRIED = np.dtype(
    [("member_id", "<i4"), ("scope", "u1"), ("carried_at", "<i4"), ("carried", "<i4")]
)
"""A delegating voter, by position in the issue's delegating voters ordered by trustee and
member: ``scope`` of their delegation (an index into :data:`SCOPES`), and the positions of the
delegating voters whose trustee they were, as in :data:`CLOSE_MEMBER`."""

STOOD = (1, 2, 4)
"""The ``flags`` bit of a row standing in each scope of :data:`SCOPES`."""
CAST = 8
SECRET = 16
LOST = 32

DTYPES = {
    "vote": VOTE,
    "delegating_voter": DELEGATING_VOTER,
    "close_member": CLOSE_MEMBER,
    "carried": CARRIED,
}
POSITIONAL = frozenset({"vote", "carried"})
"""Kinds keyed by position 1..n; the others are keyed by strictly ascending ``member_id``."""


@dataclass(frozen=True)
class Block:
    """One ``result_block`` row's values (after ``issue_id`` and ``kind``)."""

    first_key: int
    last_key: int
    count: int
    data: bytes


def encode(kind: str, entries: npt.NDArray[np.void]) -> list[Block]:
    """The blocks of ``entries`` (one issue's whole list of ``kind``, in key order: a
    :data:`POSITIONAL` kind by position 1, 2, ..., the others by strictly ascending member id);
    none for an empty list."""
    entries = entries.astype(DTYPES[kind], copy=False)
    if kind not in POSITIONAL:
        members = entries["member_id"]
        if np.any(members[1:] <= members[:-1]):
            raise ValueError(f"{kind} entries are not in strictly ascending member order")
    blocks = []
    for start in range(0, len(entries), BLOCK):
        chunk = entries[start : start + BLOCK]
        if kind in POSITIONAL:
            first, last = start + 1, start + len(chunk)
        else:
            first, last = int(chunk["member_id"][0]), int(chunk["member_id"][-1])
        blocks.append(Block(first, last, len(chunk), chunk.tobytes()))
    return blocks


def decode(kind: str, data: bytes) -> npt.NDArray[np.void]:
    """The entries of one block's ``data`` (a read-only view of the bytes)."""
    return np.frombuffer(data, dtype=DTYPES[kind])


def keys(kind: str, first_key: int, entries: npt.NDArray[np.void]) -> list[int]:
    """The keys of one block's entries: for a :data:`POSITIONAL` kind ``first_key, first_key +
    1, ...``; for the others their member ids."""
    if kind in POSITIONAL:
        return list(range(first_key, first_key + len(entries)))
    return [int(k) for k in entries["member_id"].tolist()]


def block_start(position: int) -> int:
    """The first key of the block of a :data:`POSITIONAL` list holding ``position``."""
    return (position - 1) // BLOCK * BLOCK + 1


def delegating_voters(
    member_ids: npt.ArrayLike,
    trustee_ids: npt.ArrayLike,
    weights: npt.ArrayLike,
    scopes: npt.ArrayLike,
) -> npt.NDArray[np.void]:
    """Delegating voter entries from columns (``scopes`` as indexes into :data:`SCOPES`)."""
    members = _int32(member_ids)
    entries = np.zeros(len(members), dtype=DELEGATING_VOTER)
    entries["member_id"] = members
    entries["trustee_id"] = _int32(trustee_ids)
    entries["weight"] = _int32(weights)
    scope = np.asarray(scopes, dtype=np.int64)
    if scope.size and (scope.min() < 0 or scope.max() >= len(SCOPES)):
        raise ValueError("a delegating voter's scope is unknown")
    entries["scope"] = scope.astype(np.uint8)
    return entries


def votes(
    member_ids: npt.ArrayLike,
    initiative_ids: npt.ArrayLike,
    grades: npt.ArrayLike,
    ballot_ids: npt.ArrayLike | None = None,
) -> npt.NDArray[np.void]:
    """Vote entries from columns (``ballot_ids`` absent: every entry a member's)."""
    initiatives = np.asarray(initiative_ids, dtype=np.int64)
    entries = np.zeros(len(initiatives), dtype=VOTE)
    entries["member_id"] = _int32(member_ids)
    entries["initiative_id"] = _int32(initiatives)
    entries["grade"] = _int32(grades)
    if ballot_ids is not None:
        entries["ballot_id"] = ballot_ids
    return entries


def check_votes(entries: npt.NDArray[np.void]) -> None:
    """What the old ``vote`` table's keys refused, refused here: a ballot (a member's, or an
    anonymous one's ``ballot_id``) grading an initiative twice, a grade naming both or neither.
    Entries come as the close orders them: each ballot's grades together, by initiative, the
    members' ballots first and by member."""
    members = entries["member_id"]
    ballots = entries["ballot_id"]
    if np.any((members == 0) == (ballots == b"")):
        raise ValueError("a vote names a member or a ballot, never both or neither")
    owned = len(entries) - int(np.count_nonzero(members == 0))
    if np.any(members[owned:] != 0):
        raise ValueError("the members' votes come before the anonymous ones")
    same = (members[1:] == members[:-1]) & (ballots[1:] == ballots[:-1])
    initiatives = entries["initiative_id"]
    if np.any(same & (initiatives[1:] <= initiatives[:-1])):
        raise ValueError("a ballot grades an initiative twice (or out of order)")
    if owned > 1 and np.any(members[1:owned] < members[: owned - 1]):
        raise ValueError("the members' votes are not ordered by member")
    heads = ballots[owned:][np.concatenate(([True], ~same[owned:]))[: len(entries) - owned]]
    if len(np.unique(heads)) != len(heads):
        raise ValueError("an anonymous ballot's grades are not together")


def _int32(values: npt.ArrayLike) -> npt.NDArray[np.int32]:
    """``values`` as 32-bit integers; refused (OverflowError) rather than wrapped if one does not
    fit."""
    wide = np.asarray(values, dtype=np.int64)
    if wide.size and (wide.min() < -(2**31) or wide.max() > 2**31 - 1):
        raise OverflowError("a result value does not fit in 32 bits")
    return wide.astype(np.int32)
