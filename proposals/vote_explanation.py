"""How was my vote counted? (issue 12, item 2), answered from a record of a close.

Pure like :mod:`proposals.verify`: the standard library, :mod:`delegation` and
:mod:`proposals.verify` only (no database, no web). The answer is computed from the record's
inputs -- the eligible members, delegation rows and ballots the close used -- never from today's
delegations. It is exactly one of the cases of :data:`CASES`, as data plus one plain sentence.

The answer reads the close member by member through a :class:`Close` (issue 13, item 1): the
service answers from indexed lookups of blocks written with the record
(:mod:`proposals.services.close_index`), a few per member on the chain; :class:`ReplayedClose`
answers from a whole record replayed with :func:`proposals.verify.replay`
(:func:`delegation.resolve_delegations`) -- the reference the lookups are tested against.
"""

from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, Protocol

from delegation import SCOPES, ChainRow, Scope, replay_walk, walk_chain
from proposals.verify import Replay, replay

__all__ = ["CASES", "KINDS", "Close", "ReplayedClose", "explain_close", "explain_vote"]

CASES = (
    "voted_directly",
    "voted_secretly",
    "delegated_counted",
    "delegated_not_counted",
    "not_eligible",
    "not_participating",
)
# The contract's ``kind`` (API.md) of each case.
KINDS = {
    "voted_directly": "direct",
    "voted_secretly": "direct",
    "delegated_counted": "delegated",
    "delegated_not_counted": "lost",
    "not_eligible": "ineligible",
    "not_participating": "absent",
}
assert set(KINDS) == set(CASES)
_SCOPE_ORDER = ("issue", "area", "unit")
assert set(_SCOPE_ORDER) == set(SCOPES)


def _grades(grades: Mapping[int, Any]) -> list[dict[str, Any]]:
    return [{"initiative_id": i, "grade": grades[i]} for i in sorted(grades)]


def _steps(rows: list[ChainRow]) -> list[dict[str, Any]]:
    """The chain after the member: each step is the member reached and the scope of the
    delegation that led there."""
    return [{"member_id": r.member_id, "scope": r.scope_in} for r in rows[1:]]


def _path(steps: list[dict[str, Any]]) -> str:
    return ", then ".join(f"to member {s['member_id']} by {s['scope']} delegation" for s in steps)


def _grade_text(grades: list[dict[str, Any]]) -> str:
    if not grades:
        return "abstaining on every initiative"
    return ", ".join(f"{g['grade']:+d} for initiative {g['initiative_id']}" for g in grades)


def _votes(n: int) -> str:
    return f"{n} vote" if n == 1 else f"{n} votes"


class Close(Protocol):
    """What an explanation asks of a close, one member at a time."""

    def eligible(self, member_id: int) -> bool:
        """Among the members eligible at the close."""

    def secret(self, member_id: int) -> bool:
        """Voted, the ballot kept without the member's name (issue 12)."""

    def weight(self, member_id: int) -> int | None:
        """The weight of a direct voter (secret ones too); None for others."""

    def grades(self, member_id: int) -> Mapping[int, Any]:
        """The grades of a ballot kept with the member's name, by initiative."""

    def link(self, member_id: int) -> tuple[int, Scope, int] | None:
        """A delegating voter's trustee, scope and intermediate weight; None for others."""

    def carried(self, member_id: int) -> Sequence[tuple[int, Scope]]:
        """The delegating voters whose chains ended at this direct voter, each with the scope
        of their own delegation, in any order."""

    def delegations(self, member_id: int) -> Mapping[Scope, int | None]:
        """An eligible member's delegation rows at the close: scope -> trustee, None a block."""

    def cast(self, member_id: int) -> bool:
        """Cast a ballot kept with their name."""

    def lost(self, member_id: int) -> bool:
        """An eligible member who did not vote, with a delegation applying to them whose chain
        reached no direct voter."""


class ReplayedClose:
    """:class:`Close` over :func:`proposals.verify.replay` of a whole record."""

    def __init__(self, replayed: Replay) -> None:
        self._replayed = replayed
        self._resolution = replayed.resolution

    def eligible(self, member_id: int) -> bool:
        return member_id in self._replayed.eligible

    def secret(self, member_id: int) -> bool:
        return member_id in self._replayed.secret

    def weight(self, member_id: int) -> int | None:
        return self._resolution.weights.get(member_id)

    def grades(self, member_id: int) -> Mapping[int, Any]:
        return self._replayed.grades[member_id]

    def link(self, member_id: int) -> tuple[int, Scope, int] | None:
        resolution = self._resolution
        if member_id not in resolution.trustees:
            return None
        return (
            resolution.trustees[member_id],
            resolution.scopes[member_id],
            resolution.intermediate_weights[member_id],
        )

    @cached_property
    def _behind(self) -> dict[int, list[int]]:
        behind: dict[int, list[int]] = {}
        for truster, trustee in self._resolution.trustees.items():
            behind.setdefault(trustee, []).append(truster)
        return behind

    def carried(self, member_id: int) -> Sequence[tuple[int, Scope]]:
        carried: list[tuple[int, Scope]] = []
        todo = [member_id]
        while todo:
            for truster in self._behind.get(todo.pop(), []):
                carried.append((truster, self._resolution.scopes[truster]))
                todo.append(truster)
        return carried

    @cached_property
    def _rows(self) -> dict[int, dict[Scope, int | None]]:
        by_member: dict[int, dict[Scope, int | None]] = {}
        for row in self._replayed.rows:
            by_member.setdefault(row.truster_id, {})[row.scope] = row.trustee_id
        return by_member

    def delegations(self, member_id: int) -> Mapping[Scope, int | None]:
        return self._rows.get(member_id, {})

    @cached_property
    def _casters(self) -> frozenset[int]:
        return frozenset(self._replayed.casters)

    def cast(self, member_id: int) -> bool:
        return member_id in self._casters

    def lost(self, member_id: int) -> bool:
        return member_id in self._resolution.lost


def explain_vote(
    document: Mapping[str, Any], member_id: int, *, you: bool = False
) -> dict[str, Any]:
    """:func:`explain_close` of the record ``document`` (:class:`ReplayedClose`); it must have
    passed :func:`proposals.verify.load_record`."""
    return explain_close(ReplayedClose(replay(document)), member_id, you=you)


def explain_close(close: Close, member_id: int, *, you: bool = False) -> dict[str, Any]:
    """:func:`explain_case`, with the fields of API.md's contract beside the case's own:
    ``kind`` (:data:`KINDS`), ``weight`` (0 for a vote that was not counted), ``chain`` (the
    member ids from the first trustee on) and ``scopes`` (the scope of each of those steps),
    ``grades`` (null where none were counted or they were kept without the name),
    ``counted_by`` (the direct voter whose ballot counted this vote, the member themselves when
    they voted; null when it was not counted) and ``text`` (the sentence)."""
    answer = explain_case(close, member_id, you=you)
    steps: list[dict[str, Any]] = answer.get("steps") or []
    case = answer["case"]
    counted_by = {
        "voted_directly": member_id,
        "voted_secretly": member_id,
        "delegated_counted": answer.get("voter_id"),
    }.get(case)
    return {
        **answer,
        "kind": KINDS[case],
        "weight": answer.get("weight", 0),
        "chain": [step["member_id"] for step in steps],
        "scopes": [step["scope"] for step in steps],
        "grades": answer.get("grades"),
        "counted_by": counted_by,
        "text": answer["sentence"],
    }


def explain_case(close: Close, member_id: int, *, you: bool = False) -> dict[str, Any]:
    """Issue 12, item 2: what happened to ``member_id``'s vote at the ``close``.

    Returns ``{"case", "sentence", ...}`` with one of :data:`CASES`:

    * ``voted_directly``: ``weight``, ``grades`` and ``carried`` -- the members whose chains
      ended at them, grouped by the scope of each one's own applying delegation
      (``[{"scope", "member_ids"}]``, issue then area then unit, empty scopes left out);
    * ``voted_secretly`` (issue 12, a ``delegates_public`` policy): voted directly, carried no
      one else's vote, and the record keeps the ballot without the member's name: ``weight``
      (1) and ``carried`` (empty); no grades;
    * ``delegated_counted``: ``steps`` (``[{"member_id", "scope"}]`` from the first trustee to
      the voter), ``voter_id``, ``voter_weight`` (the voter's weight, this vote one of them),
      ``grades`` (the voter's) and ``weight`` (this member's vote plus those behind them);
    * ``delegated_not_counted``: ``steps``, ``ended_at`` and ``end`` -- ``did_not_vote``
      (ended at a member who neither voted nor delegated further), ``blocked`` (at a member who
      blocked delegation), ``not_eligible`` (at a member without a vote) or ``loop``;
    * ``not_eligible``: ``reason`` ``not_among_eligible_members`` (the record lists the members
      eligible at the close, not why others were not);
    * ``not_participating``: ``blocked_scope`` (the scope of the member's own block, or null).

    ``you`` writes the sentence to the member (“You …”) instead of about them.
    """
    subject = "You" if you else f"Member {member_id}"
    was = "were" if you else "was"
    your = "your" if you else "their"
    if not close.eligible(member_id):
        return {
            "case": "not_eligible",
            "reason": "not_among_eligible_members",
            "sentence": f"{subject} {was} not among the eligible members at the close"
            " (no voting right in the unit, or not active), so there was no vote to count.",
        }
    if close.secret(member_id):
        return {
            "case": "voted_secretly",
            "weight": 1,
            "carried": [],
            "sentence": f"{subject} voted directly; {your} grades were kept without {your} name,"
            f" and {your} ballot was counted with weight 1, {your} own vote only.",
        }
    weight = close.weight(member_id)
    if weight is not None:
        grades = _grades(close.grades(member_id))
        carried = close.carried(member_id)
        by_scope = [
            {
                "scope": scope,
                "member_ids": sorted(m for m, own in carried if own == scope),
            }
            for scope in _SCOPE_ORDER
        ]
        by_scope = [group for group in by_scope if group["member_ids"]]
        if carried:
            groups = "; ".join(
                f"{scope} delegation: member{'s' if len(ids) > 1 else ''}"
                f" {', '.join(map(str, ids))}"
                for scope, ids in ((g["scope"], g["member_ids"]) for g in by_scope)
            )
            whose = f", {your} own and those of {len(carried)} member(s) by {groups}"
        else:
            whose = f", {your} own only"
        return {
            "case": "voted_directly",
            "weight": weight,
            "grades": grades,
            "carried": by_scope,
            "sentence": f"{subject} voted directly ({_grade_text(grades)}), and {your} ballot was"
            f" counted with weight {weight}{whose}.",
        }
    link = close.link(member_id)
    if link is not None:

        def hop(m: int) -> tuple[int, Scope] | None:
            step = close.link(m)
            return None if step is None else (step[0], step[1])

        rows = replay_walk(member_id, voted=lambda m: close.weight(m) is not None, link=hop)
        steps = _steps(rows)
        voter = rows[-1].member_id
        grades = _grades(close.grades(voter))
        voter_weight = close.weight(voter)
        assert voter_weight is not None
        return {
            "case": "delegated_counted",
            "steps": steps,
            "voter_id": voter,
            "voter_weight": voter_weight,
            "grades": grades,
            "weight": link[2],
            "sentence": f"{subject} delegated: {your} vote went {_path(steps)},"
            f" and was counted with member {voter}'s grades ({_grade_text(grades)})"
            f" as one of member {voter}'s {_votes(voter_weight)}.",
        }
    chain = walk_chain(
        member_id,
        eligible=close.eligible,
        delegations=close.delegations,
        participation=close.cast,
    )
    if close.lost(member_id):
        steps = _steps(chain)
        last = chain[-1]
        if last.loop == "repetition":
            end, where = "loop", f"in a loop back to member {last.member_id}, where no one voted"
        elif not last.member_valid:
            end, where = "not_eligible", f"at member {last.member_id}, who was not eligible"
        elif last.disabled_out:
            end, where = (
                "blocked",
                f"at member {last.member_id}, who did not vote and blocked"
                f" {last.scope_out} delegation",
            )
        else:
            end, where = (
                "did_not_vote",
                f"at member {last.member_id}, who neither voted nor delegated further",
            )
        return {
            "case": "delegated_not_counted",
            "steps": steps,
            "ended_at": last.member_id,
            "end": end,
            "sentence": f"{subject} delegated: {your} vote went {_path(steps)},"
            f" but the chain ended {where}, so {your} vote was not counted.",
        }
    first = chain[0]
    blocked = first.scope_out if first.disabled_out else None
    block = f" ({'you' if you else 'they'} blocked {blocked} delegation)" if blocked else ""
    return {
        "case": "not_participating",
        "blocked_scope": blocked,
        "sentence": f"{subject} did not vote and had no delegation{block},"
        " so there was no vote to count.",
    }
