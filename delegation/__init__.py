"""Liquid Policy's pure delegation and tally engine (DESIGN.md sections 3 and 4).

Stdlib and networkx only: no I/O, no database, no web.  Plain inputs (``int`` member and initiative
ids, :class:`Delegation` rows, sets, mappings) in, plain frozen results out.

Typical use in a lifecycle run::

    graph = build_unit_graph(eligible_ids, unit_rows)             # once per unit (cold)
    overrides = build_overrides(graph, area_rows, issue_rows)     # per issue
    resolution = resolve(graph, ballot_casters, overrides)        # per issue (warm)
    ballots = {m: (resolution.weights[m], grades[m]) for m in resolution.weights}
    result = tally_ballots(ballots, admitted_ids, Policy(...))

Examples
--------
>>> from delegation import Delegation, resolve_delegations, tally_ballots
>>> r = resolve_delegations({1, 2, 3}, [Delegation(1, 2, "unit")], participants={2, 3})
>>> dict(sorted(r.weights.items()))
{2: 2, 3: 1}
>>> tally_ballots({2: (2, {100: 1}), 3: (1, {100: -1})}, admitted=[100]).winner
100
"""

from delegation.carried import carried_weights, carried_weights_over
from delegation.chain import (
    ChainRow,
    Loop,
    applicable_delegation,
    delegation_chain,
    replay_chain,
    replay_walk,
    walk_chain,
)
from delegation.exceptions import (
    DelegationError,
    InvalidBallotError,
    InvalidDelegationError,
    InvalidPolicyError,
    InvalidStoredChainError,
)
from delegation.graph import (
    SCOPES,
    AreaOverrides,
    Delegation,
    Overrides,
    Scope,
    UnitGraph,
    build_area_overrides,
    build_area_overrides_from_pairs,
    build_issue_overrides,
    build_overrides,
    build_unit_graph,
    build_unit_graph_from_columns,
    build_unit_graph_from_pairs,
    effective_delegation,
)
from delegation.majority import (
    InitiativeResult,
    Policy,
    TallyResult,
    direct_majority,
    indirect_majorities,
    majority_test,
    tally_ballots,
)
from delegation.resolve import Resolution, delegate_member_ids, resolve, resolve_delegations
from delegation.schulze import (
    DefeatStrength,
    SchulzeRanking,
    Strength,
    TieBreaking,
    link_strength,
    schulze_ranking,
    secondary_link_strength,
    strongest_paths,
)
from delegation.tally import Ballot, BallotCount, Candidate, count_ballots, merge_ballots

__all__ = [
    "SCOPES",
    "AreaOverrides",
    "Ballot",
    "BallotCount",
    "Candidate",
    "ChainRow",
    "DefeatStrength",
    "Delegation",
    "DelegationError",
    "InitiativeResult",
    "InvalidBallotError",
    "InvalidDelegationError",
    "InvalidPolicyError",
    "InvalidStoredChainError",
    "Loop",
    "Overrides",
    "Policy",
    "Resolution",
    "SchulzeRanking",
    "Scope",
    "Strength",
    "TallyResult",
    "TieBreaking",
    "UnitGraph",
    "applicable_delegation",
    "build_area_overrides",
    "build_area_overrides_from_pairs",
    "build_issue_overrides",
    "build_overrides",
    "build_unit_graph",
    "build_unit_graph_from_columns",
    "build_unit_graph_from_pairs",
    "carried_weights",
    "carried_weights_over",
    "count_ballots",
    "delegate_member_ids",
    "delegation_chain",
    "direct_majority",
    "effective_delegation",
    "indirect_majorities",
    "link_strength",
    "majority_test",
    "merge_ballots",
    "replay_chain",
    "replay_walk",
    "resolve",
    "resolve_delegations",
    "schulze_ranking",
    "secondary_link_strength",
    "strongest_paths",
    "tally_ballots",
    "walk_chain",
]
