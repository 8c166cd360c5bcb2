"""Ballots while voting, and the stored results of a closed issue (DESIGN.md §4)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from delegation import ChainRow, replay_chain
from proposals.clock import Clock, utcnow
from proposals.errors import Conflict, DomainError, InvalidInput, NotFound
from proposals.models import (
    FINAL_STATES,
    Ballot,
    BallotGrade,
    Battle,
    DelegatingVoter,
    DirectVoter,
    Initiative,
    Issue,
    Member,
    Vote,
)
from proposals.services.access import participation_refusal, refuse
from proposals.services.issues import get_issue, lock_issue
from proposals.services.paging import Page, paginate
from proposals.services.result_store import delegating_page, delegating_voters_among, vote_page
from proposals.services.upsert import upsert

GRADE_LIMIT = 1_000_000


@dataclass(frozen=True)
class BallotView:
    issue_id: int
    member_id: int
    votes: list[tuple[int, int]]
    updated_at: datetime


def _view(session: Session, ballot: Ballot) -> BallotView:
    grades = session.exec(
        select(BallotGrade.initiative_id, BallotGrade.grade)
        .where(BallotGrade.issue_id == ballot.issue_id, BallotGrade.member_id == ballot.member_id)
        .order_by(col(BallotGrade.initiative_id))
    )
    return BallotView(ballot.issue_id, ballot.member_id, list(grades), ballot.updated_at)


def _voting(session: Session, actor: Member, issue_id: int) -> Issue:
    """Voting right (403), then the issue in voting (409), under a shared lock so the close
    either counts this ballot or refuses it."""
    issue = lock_issue(session, issue_id, shared=True)
    refuse(ballot_refusal(session, issue, actor))
    return issue


def ballot_refusal(session: Session, issue: Issue, member: Member) -> DomainError | None:
    """DESIGN.md §1-§2: a ballot needs voting right in the unit (403) and the issue in voting
    (409)."""
    return participation_refusal(session, issue, member, "voting", ("voting",))


def cast_ballot(
    session: Session,
    *,
    actor: Member,
    issue_id: int,
    votes: Sequence[tuple[int, int]],
    clock: Clock = utcnow,
) -> BallotView:
    """DESIGN.md §4: a ballot grades admitted initiatives (missing = 0); it replaces the
    member's previous ballot. An all-zero ballot still makes its caster a direct voter."""
    _voting(session, actor, issue_id)
    admitted = set(
        session.exec(
            select(Initiative.id).where(
                Initiative.issue_id == issue_id, col(Initiative.admitted).is_(True)
            )
        )
    )
    seen: set[int] = set()
    for initiative_id, grade in votes:
        if initiative_id not in admitted:
            raise InvalidInput(f"initiative {initiative_id} is not admitted in issue {issue_id}")
        if initiative_id in seen:
            raise InvalidInput(f"initiative {initiative_id} is graded twice")
        if abs(grade) > GRADE_LIMIT:
            raise InvalidInput(f"grades lie between -{GRADE_LIMIT} and {GRADE_LIMIT}")
        seen.add(initiative_id)
    member_id = actor.id or 0
    ballot = _claim_ballot(session, issue_id, member_id, clock())
    session.exec(
        delete(BallotGrade).where(
            col(BallotGrade.issue_id) == issue_id, col(BallotGrade.member_id) == member_id
        )
    )
    session.add_all(
        BallotGrade(issue_id=issue_id, member_id=member_id, initiative_id=i, grade=g)
        for i, g in votes
    )
    session.flush()
    return _view(session, ballot)


def _claim_ballot(session: Session, issue_id: int, member_id: int, now: datetime) -> Ballot:
    """Create or touch the member's ballot row in one statement, before its grades change: two
    ballots of one member at once then queue on that row instead of both inserting it."""
    upsert(
        session,
        Ballot,
        {"issue_id": issue_id, "member_id": member_id, "updated_at": now},
        keys=["issue_id", "member_id"],
        update={"updated_at": now},
    )
    return session.exec(
        select(Ballot)
        .where(Ballot.issue_id == issue_id, Ballot.member_id == member_id)
        .execution_options(populate_existing=True)
    ).one()


def withdraw_ballot(session: Session, *, actor: Member, issue_id: int) -> None:
    _voting(session, actor, issue_id)
    member_id = actor.id or 0
    # Lock the ballot row first, so a ballot of the same member being cast right now is
    # withdrawn as a whole once it commits.
    ballot = session.exec(
        select(Ballot)
        .where(Ballot.issue_id == issue_id, Ballot.member_id == member_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    session.exec(
        delete(BallotGrade).where(
            col(BallotGrade.issue_id) == issue_id, col(BallotGrade.member_id) == member_id
        )
    )
    if ballot is not None:
        session.delete(ballot)
    session.flush()


def get_ballot(session: Session, *, actor: Member, issue_id: int) -> BallotView:
    get_issue(session, issue_id)
    ballot = session.get(Ballot, (issue_id, actor.id or 0))
    if ballot is None:
        raise NotFound("you have no ballot in this issue")
    return _view(session, ballot)


def has_ballot(session: Session, issue_id: int, member_id: int) -> bool:
    return session.get(Ballot, (issue_id, member_id)) is not None


# Stored results ----------------------------------------------------------------------------------


def closed_issue(session: Session, issue_id: int) -> Issue:
    """API.md: result reads answer 409 while the issue is open (empty when canceled)."""
    issue = get_issue(session, issue_id)
    if issue.state not in FINAL_STATES:
        raise Conflict("results are published when the issue is closed")
    return issue


def list_direct_voters(
    session: Session, issue_id: int, *, after: int | None, limit: int
) -> Page[DirectVoter]:
    closed_issue(session, issue_id)
    statement = select(DirectVoter).where(DirectVoter.issue_id == issue_id)
    return paginate(session, statement, DirectVoter.member_id, after=after, limit=limit)


def list_delegating_voters(
    session: Session, issue_id: int, *, after: int | None, limit: int
) -> Page[DelegatingVoter]:
    closed_issue(session, issue_id)
    return delegating_page(session, issue_id, after=after, limit=limit)


def stored_link(session: Session, issue_id: int, member_id: int) -> tuple[int, str] | None:
    """The stored ``(trustee, scope)`` of one delegating voter of a closed issue, or ``None``."""
    voter = delegating_voters_among(session, issue_id, [member_id]).get(member_id)
    return None if voter is None else (voter.trustee_id, voter.scope)


def is_direct_voter(session: Session, issue_id: int, member_id: int) -> bool:
    return session.get(DirectVoter, (issue_id, member_id)) is not None


def _read_stored(
    session: Session,
    issue_id: int,
    ids: list[int],
    direct: set[int],
    links: dict[int, tuple[int, str]],
) -> None:
    """Add the stored direct voters among ``ids``, and the links of the others, to the maps."""
    direct.update(
        session.exec(
            select(DirectVoter.member_id).where(
                DirectVoter.issue_id == issue_id, col(DirectVoter.member_id).in_(ids)
            )
        )
    )
    rest = [m for m in ids if m not in direct]
    if rest:
        links.update(
            (member, (voter.trustee_id, voter.scope))
            for member, voter in delegating_voters_among(session, issue_id, rest).items()
        )


def delegate_chains(
    session: Session,
    issue_id: int,
    member_ids: Sequence[int],
    *,
    known: Sequence[DirectVoter | DelegatingVoter] = (),
) -> dict[int, list[int]]:
    """DESIGN.md §4: each delegating voter's chain, rebuilt from the stored trustees.

    Reads only the stored rows of the members on these chains, one round of reads per hop for
    all the chains together (rows already in ``known`` are not read again), never the issue's
    whole result.
    """
    direct: set[int] = set()
    links: dict[int, tuple[int, str]] = {}
    for row in known:
        if isinstance(row, DirectVoter):
            direct.add(row.member_id)
        else:
            links[row.member_id] = (row.trustee_id, row.scope)
    asked = direct | set(links)
    frontier = set(member_ids) - asked
    while True:
        if frontier:
            _read_stored(session, issue_id, sorted(frontier), direct, links)
            asked.update(frontier)
        reached = {link[0] for m, link in links.items() if m in asked and m not in direct}
        frontier = reached - asked
        if not frontier:
            break
    chains: dict[int, list[int]] = {}
    for member_id in member_ids:
        rows: list[ChainRow] = replay_chain(member_id, direct, links)  # type: ignore[arg-type]
        chains[member_id] = [row.member_id for row in rows[1:]]
    return chains


def list_votes(session: Session, issue_id: int, *, after: int | None, limit: int) -> Page[Vote]:
    closed_issue(session, issue_id)
    return vote_page(session, issue_id, after=after, limit=limit)


def list_battles(session: Session, issue_id: int, *, after: int | None, limit: int) -> Page[Battle]:
    closed_issue(session, issue_id)
    statement = select(Battle).where(Battle.issue_id == issue_id)
    return paginate(session, statement, Battle.id, after=after, limit=limit)
