"""The "where does my vote go" chain of DESIGN.md §3 for a unit, an area or an issue."""

from sqlmodel import Session, select

from delegation import ChainRow, delegation_chain, replay_chain
from proposals.graphs import load_overrides, load_unit_graph
from proposals.models import Interest
from proposals.services.issues import BEFORE_FULL_FREEZE, get_issue
from proposals.services.members import get_member
from proposals.services.structure import get_area, get_unit
from proposals.services.voting import has_ballot, stored_links

FINISHED = ("finished_with_winner", "finished_without_winner")


def chain(
    session: Session,
    *,
    member_id: int,
    viewer_id: int | None,
    unit_id: int | None = None,
    area_id: int | None = None,
    issue_id: int | None = None,
) -> list[ChainRow]:
    """DESIGN.md §3: participation is interest before full freeze; from full freeze on it is
    shown only to a member asking about their own chain, and other members' ballots never shape
    a live chain; a finished issue replays its stored result; a canceled one shows the current
    delegations with participation null; area and unit chains have participation null."""
    get_member(session, member_id)
    if issue_id is not None:
        issue = get_issue(session, issue_id)
        if issue.state in FINISHED:
            direct, links = stored_links(session, issue_id)
            return replay_chain(member_id, direct, links)  # type: ignore[arg-type]
        graph = load_unit_graph(session, issue.unit_id)
        overrides = load_overrides(session, graph, area_id=issue.area_id, issue_id=issue_id)
        if issue.state in BEFORE_FULL_FREEZE:
            interested = set(
                session.exec(select(Interest.member_id).where(Interest.issue_id == issue_id))
            )
            return delegation_chain(graph, member_id, overrides, participants=interested)
        if issue.state == "voting":
            own = viewer_id == member_id
            voted = own and has_ballot(session, issue_id, member_id)
            return delegation_chain(
                graph,
                member_id,
                overrides,
                participants={member_id} if voted else set(),
                shown={member_id} if own else set(),
            )
        return delegation_chain(graph, member_id, overrides, participants=None)
    if area_id is not None:
        area = get_area(session, area_id)
        graph = load_unit_graph(session, area.unit_id)
        overrides = load_overrides(session, graph, area_id=area_id, issue_id=None)
        return delegation_chain(graph, member_id, overrides)
    assert unit_id is not None
    graph = load_unit_graph(session, get_unit(session, unit_id).id or 0)
    return delegation_chain(graph, member_id)
