"""How was my vote counted? (issue 12, item 2), answered from a record of a close.

Pure like :mod:`proposals.verify`: the standard library, :mod:`delegation` and
:mod:`proposals.verify` only (no database, no web). The answer is computed from the record's
inputs -- the eligible members, delegation rows and ballots the close used -- replayed with
:func:`proposals.verify.replay` (:func:`delegation.resolve_delegations`), never from today's
delegations. It is exactly one of the cases of :data:`CASES`, as data plus one plain sentence.
"""

from collections.abc import Mapping
from typing import Any

from delegation import SCOPES, ChainRow, replay_walk, walk_chain
from proposals.verify import replay

__all__ = ["CASES", "KINDS", "explain_vote"]

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


def explain_vote(
    document: Mapping[str, Any], member_id: int, *, you: bool = False
) -> dict[str, Any]:
    """:func:`explain_case`, with the fields of API.md's contract beside the case's own:
    ``kind`` (:data:`KINDS`), ``weight`` (0 for a vote that was not counted), ``chain`` (the
    member ids from the first trustee on) and ``scopes`` (the scope of each of those steps),
    ``grades`` (null where none were counted or they were kept without the name),
    ``counted_by`` (the direct voter whose ballot counted this vote, the member themselves when
    they voted; null when it was not counted) and ``text`` (the sentence)."""
    answer = explain_case(document, member_id, you=you)
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


def explain_case(
    document: Mapping[str, Any], member_id: int, *, you: bool = False
) -> dict[str, Any]:
    """Issue 12, item 2: what happened to ``member_id``'s vote at the close of the record's
    issue. The document must have passed :func:`proposals.verify.load_record`.

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
    replayed = replay(document)
    resolution = replayed.resolution
    subject = "You" if you else f"Member {member_id}"
    was = "were" if you else "was"
    your = "your" if you else "their"
    if member_id not in replayed.eligible:
        return {
            "case": "not_eligible",
            "reason": "not_among_eligible_members",
            "sentence": f"{subject} {was} not among the eligible members at the close"
            " (no voting right in the unit, or not active), so there was no vote to count.",
        }
    if member_id in replayed.secret:
        return {
            "case": "voted_secretly",
            "weight": 1,
            "carried": [],
            "sentence": f"{subject} voted directly; {your} grades were kept without {your} name,"
            f" and {your} ballot was counted with weight 1, {your} own vote only.",
        }
    if member_id in resolution.weights:
        weight = resolution.weights[member_id]
        grades = _grades(replayed.grades[member_id])
        behind: dict[int, list[int]] = {}
        for truster, trustee in resolution.trustees.items():
            behind.setdefault(trustee, []).append(truster)
        carried: list[int] = []
        todo = [member_id]
        while todo:
            for truster in behind.get(todo.pop(), []):
                carried.append(truster)
                todo.append(truster)
        by_scope = [
            {
                "scope": scope,
                "member_ids": sorted(m for m in carried if resolution.scopes[m] == scope),
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
    trustees, scopes = resolution.trustees, resolution.scopes
    if member_id in trustees:
        rows = replay_walk(
            member_id,
            voted=resolution.weights.__contains__,
            link=lambda m: (trustees[m], scopes[m]) if m in trustees else None,
        )
        steps = _steps(rows)
        voter = rows[-1].member_id
        grades = _grades(replayed.grades[voter])
        voter_weight = resolution.weights[voter]
        return {
            "case": "delegated_counted",
            "steps": steps,
            "voter_id": voter,
            "voter_weight": voter_weight,
            "grades": grades,
            "weight": resolution.intermediate_weights[member_id],
            "sentence": f"{subject} delegated: {your} vote went {_path(steps)},"
            f" and was counted with member {voter}'s grades ({_grade_text(grades)})"
            f" as one of member {voter}'s {_votes(voter_weight)}.",
        }
    by_member: dict[int, dict[str, int | None]] = {}
    for row in replayed.rows:
        by_member.setdefault(row.truster_id, {})[row.scope] = row.trustee_id
    voted = set(replayed.casters)
    chain = walk_chain(
        member_id,
        eligible=replayed.eligible.__contains__,
        delegations=lambda m: by_member.get(m, {}),  # type: ignore[arg-type,return-value]
        participation=voted.__contains__,
    )
    if member_id in resolution.lost:
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
