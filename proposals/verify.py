"""Checking a record of a close offline (issue 12, item 3: ``liquidpolicy verify``).

Pure: the standard library, :mod:`delegation` and :mod:`proposals.canonical` only (no database,
no server, no web), so an auditor's copy of the project can recompute any result from a
downloaded record (docs/record.md). :func:`recompute` replays the close from the record's inputs
and names every result field that disagrees; :func:`content_digest` is the digest the record's
content must have; :func:`check_chain` checks records as one hash chain.
"""

import dataclasses
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from delegation import (
    Delegation,
    DelegationError,
    Policy,
    Resolution,
    resolve_delegations,
    tally_ballots,
)
from proposals.canonical import canonical

__all__ = [
    "FORMAT",
    "RESULT_FIELDS",
    "NotARecord",
    "Replay",
    "check_chain",
    "check_digest",
    "content_digest",
    "load_record",
    "recompute",
    "replay",
]

FORMAT = "liquidpolicy-record/1"
_POLICY_FIELDS = tuple(f.name for f in dataclasses.fields(Policy))
RESULT_FIELDS = (
    # An initiative's stored results, as the record lists them (the writer and the checker).
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


class NotARecord(ValueError):
    """The document is not a record of a close (bad input, not a failed check)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise NotARecord(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


def _no_float(text: str) -> Any:
    raise NotARecord(f"a record holds no fractional numbers, not {text}")


def load_record(data: bytes | str) -> dict[str, Any]:
    """Parse a record (served or stored form) and check it has a record's shape.

    Raises :class:`NotARecord` for text that is not JSON or not a record."""
    try:
        document = json.loads(data, object_pairs_hook=_unique_keys, parse_float=_no_float)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, NotARecord):
            raise
        raise NotARecord(f"not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise NotARecord("not a record: the document is not a JSON object")
    if document.get("format") != FORMAT:
        raise NotARecord(f"not a record: its format is not {FORMAT!r}")
    _shape(document)
    return document


def _need(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise NotARecord(f"not a record: {where} is missing or malformed")
    return value


def _shape(document: dict[str, Any]) -> None:
    """The parts of the inputs the recomputation reads, and the results' containers."""
    inputs = _need(document.get("inputs"), dict, "inputs")
    results = _need(document.get("results"), dict, "results")
    policy = _need(inputs.get("policy"), dict, "inputs.policy")
    for name in _POLICY_FIELDS:
        if name not in policy:
            raise NotARecord(f"not a record: inputs.policy.{name} is missing")
    for item in _need(inputs.get("initiatives"), list, "inputs.initiatives"):
        _need(item, dict, "inputs.initiatives[]")
        _need(item.get("id"), int, "inputs.initiatives[].id")
        _need(item.get("admitted"), bool, "inputs.initiatives[].admitted")
    for member in _need(inputs.get("eligible_member_ids"), list, "inputs.eligible_member_ids"):
        _need(member, int, "inputs.eligible_member_ids[]")
    for row in _need(inputs.get("delegations"), list, "inputs.delegations"):
        _need(row, dict, "inputs.delegations[]")
        _need(row.get("truster_id"), int, "inputs.delegations[].truster_id")
        _need(row.get("scope"), str, "inputs.delegations[].scope")
        if row.get("trustee_id") is not None:
            _need(row.get("trustee_id"), int, "inputs.delegations[].trustee_id")
    for ballot in _need(inputs.get("ballots"), list, "inputs.ballots"):
        _need(ballot, dict, "inputs.ballots[]")
        _need(ballot.get("member_id"), int, "inputs.ballots[].member_id")
        _grades(ballot, "inputs.ballots[]")
    # Issue 12 (secret ballots): absent from records written before them, as if empty.
    for ballot in _need(inputs.get("anonymous_ballots", []), list, "inputs.anonymous_ballots"):
        _need(ballot, dict, "inputs.anonymous_ballots[]")
        _need(ballot.get("ballot_id"), str, "inputs.anonymous_ballots[].ballot_id")
        _grades(ballot, "inputs.anonymous_ballots[]")
    for member in _need(inputs.get("anonymous_voter_ids", []), list, "inputs.anonymous_voter_ids"):
        _need(member, int, "inputs.anonymous_voter_ids[]")
    _seq(document)
    for name in ("initiatives", "battles", "direct_voters", "delegating_voters"):
        _need(results.get(name), list, f"results.{name}")


def _grades(ballot: Mapping[str, Any], where: str) -> None:
    for grade in _need(ballot.get("grades"), list, f"{where}.grades"):
        _need(grade, dict, f"{where}.grades[]")
        _need(grade.get("initiative_id"), int, f"{where}.grades[].initiative_id")


def content_digest(document: Mapping[str, Any]) -> str:
    """Issue 12 (docs/record.md): the digest a record's content must have — the SHA-256 (hex) of
    the canonical text (RFC 8785) of the record without its ``digest`` member."""
    body = {key: value for key, value in document.items() if key != "digest"}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def check_digest(document: Mapping[str, Any], trusted: Iterable[tuple[str, str]] = ()) -> list[str]:
    """What differs between the record's content digest, the digest it carries (if any) and the
    ``(source, digest)`` pairs trusted from elsewhere (e.g. ``("--digest", hex)``)."""
    actual = content_digest(document)
    found: list[str] = []
    carried = document.get("digest")
    if carried is not None and carried != actual:
        found.append(f"digest: the record says {carried}, its content hashes to {actual}")
    for source, digest in trusted:
        if digest.strip().lower() != actual:
            found.append(f"digest: {source} says {digest}, the record's content hashes to {actual}")
    return found


def _show(value: Any) -> str:
    return "missing" if value is _MISSING else json.dumps(value)


_MISSING = object()


def _compare(name: str, stored: Any, computed: Any, found: list[str]) -> None:
    if type(stored) is not type(computed) or stored != computed:
        found.append(f"{name}: the record says {_show(stored)}, recomputed {_show(computed)}")


def _rows(
    name: str,
    label: Callable[[Any], str],
    key: Callable[[Mapping[str, Any]], Any],
    stored: Sequence[Any],
    computed: Mapping[Any, Mapping[str, Any]],
    found: list[str],
) -> None:
    """Compare a stored list of rows with the computed rows by key, field by field."""
    seen: set[Any] = set()
    for index, row in enumerate(stored):
        if not isinstance(row, dict):
            found.append(f"{name}[{index}]: the record says {_show(row)}, not a row")
            continue
        try:
            row_key = key(row)
            hash(row_key)
        except (KeyError, TypeError):
            found.append(f"{name}[{index}]: the record's row {_show(row)} names no valid key")
            continue
        where = f"{name}[{label(row_key)}]"
        if row_key in seen:
            found.append(f"{where}: the record lists it twice")
            continue
        seen.add(row_key)
        expected = computed.get(row_key)
        if expected is None:
            found.append(f"{where}: the record lists it, the recomputation does not")
            continue
        for field in sorted(set(row) | set(expected)):
            _compare(
                f"{where}.{field}", row.get(field, _MISSING), expected.get(field, _MISSING), found
            )
    for row_key in sorted(set(computed) - seen, key=lambda k: json.dumps(k)):
        found.append(f"{name}[{label(row_key)}]: recomputed, missing from the record")


def _candidate(value: Any) -> str:
    return "status quo" if value is None else f"initiative {value}"


@dataclasses.dataclass(frozen=True)
class Replay:
    """The close's delegations replayed from a record's inputs (see :func:`replay`)."""

    eligible: frozenset[int]
    rows: tuple[Delegation, ...]
    grades: dict[int, dict[int, Any]]
    casters: list[int]
    resolution: Resolution
    secret: frozenset[int]
    """Issue 12: the direct voters whose ballots the record keeps without their name."""
    anonymous: list[dict[int, Any]]
    """Issue 12: the grades of those anonymous ballots, each counted with weight 1."""


def replay(document: Mapping[str, Any]) -> Replay:
    """Issue 12: the record's eligible members, delegation rows and ballots, and the
    :func:`delegation.resolve_delegations` of them as the close resolved them (ballots of members
    not eligible are discarded, as the close discards them). The members of
    ``anonymous_voter_ids`` (issue 12) voted too, their grades among ``anonymous_ballots``.
    Raises :class:`DelegationError`, ``TypeError``, ``KeyError`` or ``ValueError`` when the
    inputs cannot be replayed. The document must have passed :func:`load_record`."""
    inputs = document["inputs"]
    rows = tuple(
        Delegation(row["truster_id"], row.get("trustee_id"), row["scope"])
        for row in inputs["delegations"]
    )
    grades: dict[int, dict[int, Any]] = {}
    for ballot in inputs["ballots"]:
        grades.setdefault(ballot["member_id"], {}).update(
            {g["initiative_id"]: g.get("grade") for g in ballot["grades"]}
        )
    eligible = frozenset(inputs["eligible_member_ids"])
    casters = [m for m in grades if m in eligible]  # as the close discards the others
    secret = frozenset(inputs.get("anonymous_voter_ids", []))
    anonymous = [
        {g["initiative_id"]: g.get("grade") for g in ballot["grades"]}
        for ballot in inputs.get("anonymous_ballots", [])
    ]
    if len(secret) != len(anonymous) or secret & set(grades) or secret - eligible:
        raise ValueError(
            f"{len(anonymous)} anonymous ballots for {len(secret)} eligible anonymous voters"
            " who cast no other ballot"
        )
    resolution = resolve_delegations(eligible, rows, [*casters, *sorted(secret)])
    carrying = sorted(m for m in secret if resolution.weights.get(m) != 1)
    if carrying:
        raise ValueError(f"anonymous voters carrying more than their own vote: {carrying}")
    return Replay(eligible, rows, grades, casters, resolution, secret, anonymous)


def recompute(document: Mapping[str, Any]) -> list[str]:
    """Issue 12: replay the close from the record's inputs with :mod:`delegation` alone and name
    every result field that disagrees (e.g. ``results.direct_voters[member 12].weight``); an
    empty list when every result follows. The document must have passed :func:`load_record`."""
    inputs, results = document["inputs"], document["results"]
    admitted = [i["id"] for i in inputs["initiatives"] if i["admitted"]]
    try:
        replayed = replay(document)
        resolution, grades, casters = replayed.resolution, replayed.grades, replayed.casters
        policy = Policy(**{name: inputs["policy"][name] for name in _POLICY_FIELDS})
        tally = tally_ballots(
            [
                *((resolution.weights[m], grades[m]) for m in casters),
                *((1, anonymous) for anonymous in replayed.anonymous),
            ],
            admitted,
            policy,
        )
    except (DelegationError, TypeError, KeyError, ValueError) as exc:
        return [f"inputs: the results cannot be recomputed from them ({exc})"]
    found: list[str] = []
    winner = tally.winner
    _compare("results.voter_count", results.get("voter_count", _MISSING), tally.voter_count, found)
    _compare(
        "results.status_quo_schulze_rank",
        results.get("status_quo_schulze_rank", _MISSING),
        tally.status_quo_schulze_rank,
        found,
    )
    _compare(
        "results.winner_initiative_id", results.get("winner_initiative_id", _MISSING), winner, found
    )
    state = "finished_with_winner" if winner is not None else "finished_without_winner"
    _compare("results.state", results.get("state", _MISSING), state, found)
    per_initiative: dict[Any, dict[str, Any]] = {}
    for initiative in inputs["initiatives"]:
        outcome = tally.initiatives.get(initiative["id"])
        fields = (
            dataclasses.asdict(outcome)
            if outcome is not None
            else dict.fromkeys(RESULT_FIELDS)  # not admitted: never tallied
        )
        per_initiative[initiative["id"]] = {"id": initiative["id"], **fields}
    _rows(
        "results.initiatives",
        lambda k: f"initiative {k}",
        lambda r: r["id"],
        results["initiatives"],
        per_initiative,
        found,
    )
    _rows(
        "results.battles",
        lambda k: f"{_candidate(k[0])} over {_candidate(k[1])}",
        lambda r: (r["winning_initiative_id"], r["losing_initiative_id"]),
        results["battles"],
        {
            (w, lo): {"winning_initiative_id": w, "losing_initiative_id": lo, "count": c}
            for (w, lo), c in tally.battle.items()
        },
        found,
    )
    _rows(
        "results.direct_voters",
        lambda k: f"member {k}",
        lambda r: r["member_id"],
        results["direct_voters"],
        {m: {"member_id": m, "weight": w} for m, w in resolution.weights.items()},
        found,
    )
    _rows(
        "results.delegating_voters",
        lambda k: f"member {k}",
        lambda r: r["member_id"],
        results["delegating_voters"],
        {
            m: {
                "member_id": m,
                "trustee_id": resolution.trustees[m],
                "weight": w,
                "scope": resolution.scopes[m],
            }
            for m, w in resolution.intermediate_weights.items()
        },
        found,
    )
    return found


def check_chain(
    documents: Sequence[tuple[str, Mapping[str, Any]]], *, after: str | None = None
) -> list[str]:
    """Issue 12: records ``(name, document)`` as one hash chain, in ``seq`` order: each names
    the content digest of the one before it as ``previous_digest``; the first names none, or
    ``after`` when the chain is checked from a digest trusted from elsewhere."""
    found: list[str] = []
    ordered = sorted(documents, key=lambda item: _seq(item[1]))
    previous = after.strip().lower() if after is not None else None
    previous_seq: int | None = None
    for name, document in ordered:
        seq = _seq(document)
        if previous_seq is not None and seq != previous_seq + 1:
            found.append(f"{name}: seq {seq} follows seq {previous_seq}")
        named = document.get("previous_digest")
        if named != previous:
            expected = "none" if previous is None else previous
            found.append(
                f"{name}: previous_digest: the record says {_show(named)}, "
                f"the chain before it gives {expected}"
            )
        previous, previous_seq = content_digest(document), seq
    return found


def _seq(document: Mapping[str, Any]) -> int:
    seq = document.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool):
        raise NotARecord("not a record: seq is missing or malformed")
    return seq
