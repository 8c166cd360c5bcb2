"""The index of a record that explains one member's vote (issue 13, item 1).

How a member's vote was counted (issue 12, item 2) is answered from the inputs of the close --
the eligible members, the delegation rows including blocks, who cast a ballot -- which survive
the close only inside its record (:mod:`proposals.services.records`; the pre-images are
forgotten once it is written). Reading one member's row must stay an indexed lookup, so when the
record is written :func:`write_index` also stores those inputs per member as ``result_block``
rows (:mod:`proposals.result_blocks`): ``close_member`` blocks keyed by member id and
``carried`` blocks, the delegating voters ordered by trustee. :class:`StoredClose` answers
:class:`proposals.vote_explanation.Close` from them with a few indexed lookups per member on the
chain (and per level of the voters carried by a direct voter), never the whole issue.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlmodel import Session, col

from delegation import Delegation as Link
from delegation import Resolution, Scope
from delegation.arrays import SCOPE_INDEX, positions
from proposals import result_blocks
from proposals.models import DirectVoter, ResultBlock
from proposals.result_blocks import CAST, CLOSE_MEMBER, LOST, SCOPES, SECRET, STOOD
from proposals.services.result_store import (
    among,
    at_positions,
    column,
    delegating_voters_among,
    insert_blocks,
)

__all__ = ["CloseInputs", "StoredClose", "indexed", "write_index"]


@dataclass(frozen=True)
class CloseInputs:
    """The inputs of a close as its record holds them, and their resolution (checked against
    the stored results by :func:`proposals.services.records.check_inputs`)."""

    eligible: set[int]
    rows: list[Link]
    weights: dict[int, int]
    resolution: Resolution


def _ids(values: Iterable[int]) -> npt.NDArray[np.int64]:
    return np.fromiter(values, dtype=np.int64)


def _places(members: npt.NDArray[np.int64], ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The index of each of ``ids`` in the sorted ``members`` (:func:`delegation.arrays.positions`);
    all must be there."""
    where = positions(members, ids)
    if np.any(where < 0):
        raise ValueError("a member of the close's results is not among its eligible members")
    return where


def close_members(
    inputs: CloseInputs, *, secret: bool, vote_members: npt.NDArray[np.int32]
) -> tuple[npt.NDArray[np.void], npt.NDArray[np.void]]:
    """The ``close_member`` and ``carried`` entries of a close (:mod:`proposals.result_blocks`).
    ``secret``: the weight-1 direct voters' ballots were kept without their name
    (:func:`proposals.services.records._secret`); ``vote_members``: the ``member_id`` of each
    of the issue's stored votes in position order."""
    members = np.sort(_ids(inputs.eligible))
    entries = np.zeros(len(members), dtype=CLOSE_MEMBER)
    entries["member_id"] = members
    flags = np.zeros(len(members), dtype=np.uint8)
    rows = inputs.rows
    trusters = np.fromiter(map(attrgetter("truster_id"), rows), dtype=np.int64, count=len(rows))
    row_trustees = np.fromiter(
        (trustee or 0 for trustee in map(attrgetter("trustee_id"), rows)),  # 0: a block
        dtype=np.int64,
        count=len(rows),
    )
    row_scopes = np.fromiter(
        map(SCOPE_INDEX.__getitem__, map(attrgetter("scope"), rows)),
        dtype=np.int64,
        count=len(rows),
    )
    where = positions(members, trusters)
    held = where >= 0  # rows of eligible trusters only
    for index, bit in enumerate(STOOD):
        here = held & (row_scopes == index)
        entries["trustees"][where[here], index] = row_trustees[here]
        flags[where[here]] |= bit
    voters = _ids(inputs.weights)
    hidden = np.array([secret and inputs.weights[m] == 1 for m in voters.tolist()], dtype=bool)
    flags[_places(members, voters)] |= np.where(hidden, SECRET, CAST).astype(np.uint8)
    flags[_places(members, _ids(inputs.resolution.lost))] |= LOST
    entries["flags"] = flags
    owned = vote_members[: np.count_nonzero(vote_members)]  # the members' grades come first
    owners, first, counts = np.unique(owned, return_index=True, return_counts=True)
    where = _places(members, owners.astype(np.int64))
    entries["votes_at"][where] = first + 1
    entries["votes"][where] = counts
    resolution = inputs.resolution
    links = dict(resolution.trustees.items())  # at C speed (delegation.resolve)
    delegators = _ids(links)
    trustees = _ids(links.values())
    scopes = _ids(
        map(SCOPE_INDEX.__getitem__, map(dict(resolution.scopes.items()).__getitem__, links))
    )
    order = np.lexsort((delegators, trustees))
    delegators, trustees, scopes = delegators[order], trustees[order], scopes[order]
    heads, first, counts = np.unique(trustees, return_index=True, return_counts=True)
    where = _places(members, heads)
    entries["carried_at"][where] = first + 1
    entries["carried"][where] = counts
    carried = np.zeros(len(delegators), dtype=result_blocks.CARRIED)
    own = entries[_places(members, delegators)]
    carried["member_id"] = delegators
    carried["scope"] = scopes
    carried["carried_at"] = own["carried_at"]
    carried["carried"] = own["carried"]
    return entries, carried


def write_index(session: Session, issue_id: int, inputs: CloseInputs, *, secret: bool) -> None:
    """Store the explanation index of a close, with its record (:func:`close_members`)."""
    vote_members = column(session, issue_id, "vote", "member_id")
    entries, carried = close_members(inputs, secret=secret, vote_members=vote_members)
    insert_blocks(session, issue_id, "close_member", result_blocks.encode("close_member", entries))
    insert_blocks(session, issue_id, "carried", result_blocks.encode("carried", carried))


def indexed(session: Session, issue_id: int) -> bool:
    """Whether the issue's record was written with its index (records written before migration
    0020 were not, nor are records of closes without eligible members)."""
    statement = (
        sa.select(col(ResultBlock.first_key))
        .where(col(ResultBlock.issue_id) == issue_id, col(ResultBlock.kind) == "close_member")
        .limit(1)
    )
    return session.execute(statement).first() is not None


class StoredClose:
    """:class:`proposals.vote_explanation.Close` over the index of an issue's record: each
    member asked about costs an indexed lookup of their ``close_member`` block (kept for the
    rest of the answer), a direct voter's weight one of ``direct_voter``, a delegating voter's
    link one of their ``delegating_voter`` block, grades the one or two ``vote`` blocks holding
    them, and a direct voter's carried voters one query per level of the tree behind them."""

    def __init__(self, session: Session, issue_id: int) -> None:
        self._session = session
        self._issue_id = issue_id
        self._members: dict[int, Any] = {}

    def _member(self, member_id: int) -> Any:
        if member_id not in self._members:
            found = among(self._session, self._issue_id, "close_member", [member_id])
            self._members[member_id] = found.get(member_id)
        return self._members[member_id]

    def _flag(self, member_id: int, flag: int) -> bool:
        entry = self._member(member_id)
        return entry is not None and bool(entry[2] & flag)

    def eligible(self, member_id: int) -> bool:
        return self._member(member_id) is not None

    def secret(self, member_id: int) -> bool:
        return self._flag(member_id, SECRET)

    def cast(self, member_id: int) -> bool:
        return self._flag(member_id, CAST)

    def lost(self, member_id: int) -> bool:
        return self._flag(member_id, LOST)

    def weight(self, member_id: int) -> int | None:
        row = self._session.execute(
            sa.select(col(DirectVoter.weight)).where(
                col(DirectVoter.issue_id) == self._issue_id,
                col(DirectVoter.member_id) == member_id,
            )
        ).first()
        return None if row is None else int(row[0])

    def grades(self, member_id: int) -> Mapping[int, Any]:
        entry = self._member(member_id)
        (votes,) = at_positions(self._session, self._issue_id, "vote", [(entry[3], entry[4])])
        return {initiative: grade for _, initiative, grade, _ in votes}

    def link(self, member_id: int) -> tuple[int, Scope, int] | None:
        found = delegating_voters_among(self._session, self._issue_id, [member_id])
        voter = found.get(member_id)
        if voter is None:
            return None
        return voter.trustee_id, cast(Scope, voter.scope), voter.weight

    def carried(self, member_id: int) -> Sequence[tuple[int, Scope]]:
        entry = self._member(member_id)
        found: list[tuple[int, Scope]] = []
        spans = [(entry[5], entry[6])] if entry[6] else []
        while spans:
            level = at_positions(self._session, self._issue_id, "carried", spans)
            spans = []
            for truster, scope, at, count in (e for entries in level for e in entries):
                found.append((truster, cast(Scope, SCOPES[scope])))
                if count:
                    spans.append((at, count))
        return found

    def delegations(self, member_id: int) -> Mapping[Scope, int | None]:
        entry = self._member(member_id)
        trustees, flags = entry[1].tolist(), entry[2]  # a numpy array: the entry's subarray
        return {
            cast(Scope, scope): trustees[index] or None
            for index, scope in enumerate(SCOPES)
            if flags & STOOD[index]
        }
