"""The cases of a chain's outcome (DESIGN.md §3, issue 10 item 1), shared by the API test and
the page test so that both read the same sentence for the same world.

Each case builds its situation in a world with members A, B and C (A proposes the issue, so A
takes part in it) and answers who looks at whose chain, the chain's context and the expected
``outcome``.
"""

from collections.abc import Callable
from dataclasses import dataclass

from tests.api.world import DAY, World
from tests.factories import make_member


@dataclass(frozen=True)
class Case:
    viewer: str
    member: str
    context: dict[str, int]
    kind: str
    ends_at: str | None
    text: str
    absent: tuple[str, ...] = ()


def _issue(world: World) -> tuple[int, int]:
    """A's initiative, supported by A (so A takes part): (issue id, initiative id)."""
    initiative = world.propose("A")
    world.support("A", initiative["id"])
    return initiative["issue_id"], initiative["id"]


def _voting(world: World) -> tuple[int, int]:
    issue_id, initiative_id = _issue(world)
    world.to_voting(issue_id)
    return issue_id, initiative_id


def _close(world: World, issue_id: int) -> None:
    assert world.step(DAY)[0].startswith("finished")


def direct(world: World) -> Case:
    """B takes part directly and has an area delegation to C, who takes part too."""
    issue_id, _ = _issue(world)
    world.delegate("B", "C", area_id=world.area_id)
    world.ok("PUT", f"/issues/{issue_id}/interest", "B")
    world.ok("PUT", f"/issues/{issue_id}/interest", "C")
    text = "B takes part directly: B's own vote counts, and B's area delegation does not apply."
    return Case("B", "B", {"issue_id": issue_id}, "direct", "B", text, ("cast by C",))


def delegated(world: World) -> Case:
    issue_id, _ = _issue(world)
    world.delegate("C", "A")
    text = "C's vote goes to A, who takes part directly."
    return Case("C", "C", {"issue_id": issue_id}, "delegated", "A", text)


def pending(world: World) -> Case:
    issue_id, _ = _issue(world)
    world.delegate("C", "B")
    text = "C's vote goes to B, who has not taken part directly (yet) and delegates no further."
    return Case("C", "C", {"issue_id": issue_id}, "pending", "B", text)


def hidden_own(world: World) -> Case:
    """C asks about their own chain in voting; B, their delegate, has voted."""
    issue_id, initiative_id = _voting(world)
    world.delegate("C", "B")
    assert world.vote("B", issue_id, {initiative_id: 1}).status_code == 200
    text = (
        "C's vote goes to B; whether B or anyone after B on this chain has voted is not shown"
        " while voting is open."
    )
    return Case("C", "C", {"issue_id": issue_id}, "hidden", "B", text, ("neither",))


def hidden_other(world: World) -> Case:
    """B asks about C's chain in voting, after voting themselves."""
    issue_id, initiative_id = _voting(world)
    world.delegate("C", "A")
    assert world.vote("A", issue_id, {initiative_id: 1}).status_code == 200
    text = "Whether C or anyone on this chain has voted is not shown while voting is open."
    return Case("B", "C", {"issue_id": issue_id}, "hidden", "C", text, ("neither",))


def blocked(world: World) -> Case:
    issue_id, _ = _issue(world)
    world.delegate("C", "B", area_id=world.area_id)
    world.delegate("C", None, issue_id=issue_id)
    text = (
        'C chose "no delegation here" for this issue: C\'s vote counts only if C takes part'
        " directly."
    )
    return Case("C", "C", {"issue_id": issue_id}, "blocked", "C", text)


def cycle(world: World) -> Case:
    issue_id, _ = _issue(world)
    world.delegate("B", "C")
    world.delegate("C", "B")
    text = (
        "B's delegations run in a loop in which nobody takes part directly (yet): unless"
        " someone in it does, B's vote carries nothing."
    )
    return Case("B", "B", {"issue_id": issue_id}, "cycle", None, text)


def dead_end(world: World) -> Case:
    issue_id, _ = _issue(world)
    world.members["X"] = make_member(world.db, name="X").id or 0
    world.delegate("C", "X")
    text = (
        "C's vote goes to X, who has no voting right in this unit: it is lost there unless"
        " someone earlier on this chain takes part directly."
    )
    return Case("C", "C", {"issue_id": issue_id}, "dead_end", "X", text)


def area_only(world: World) -> Case:
    world.delegate("C", "B", area_id=world.area_id)
    world.delegate("B", "A", area_id=world.area_id)
    text = "In this area, C's vote goes to A."
    return Case("C", "C", {"area_id": world.area_id}, "scope_only", "A", text, ("takes part",))


def unit_only(world: World) -> Case:
    world.delegate("C", "B")
    text = "In this unit, C's vote goes to B."
    return Case("C", "C", {"unit_id": world.unit_id}, "scope_only", "B", text, ("takes part",))


def canceled(world: World) -> Case:
    """An issue canceled before its vote: only where the current delegations lead."""
    issue_id, _ = _issue(world)
    world.delegate("C", "B")
    cancel = world.client.post(f"/api/v1/issues/{issue_id}/cancel", headers=world.admin)
    assert cancel.status_code == 200, cancel.text
    text = (
        "This issue was canceled and no vote was counted; by the current delegations, C's vote"
        " goes to B."
    )
    return Case("C", "C", {"issue_id": issue_id}, "scope_only", "B", text, ("takes part",))


def closed_delegated(world: World) -> Case:
    issue_id, initiative_id = _voting(world)
    world.delegate("C", "B")
    assert world.vote("B", issue_id, {initiative_id: 1}).status_code == 200
    _close(world, issue_id)
    return Case(
        "C", "C", {"issue_id": issue_id}, "delegated", "B", "C's vote was counted through B."
    )


def closed_direct(world: World) -> Case:
    issue_id, initiative_id = _voting(world)
    world.delegate("B", "C")
    assert world.vote("B", issue_id, {initiative_id: 1}).status_code == 200
    _close(world, issue_id)
    text = "B voted directly: B's own vote was counted."
    return Case("B", "B", {"issue_id": issue_id}, "direct", "B", text)


def closed_lost(world: World) -> Case:
    """C delegated to B, who did not vote: the stored result does not say where it ended."""
    issue_id, _ = _voting(world)
    world.delegate("C", "B")
    _close(world, issue_id)
    text = "C's vote was not counted in this issue."
    return Case("C", "C", {"issue_id": issue_id}, "lost", None, text)


CASES: dict[str, Callable[[World], Case]] = {
    f.__name__: f
    for f in (
        direct,
        delegated,
        pending,
        hidden_own,
        hidden_other,
        blocked,
        cycle,
        dead_end,
        area_only,
        unit_only,
        canceled,
        closed_delegated,
        closed_direct,
        closed_lost,
    )
}
