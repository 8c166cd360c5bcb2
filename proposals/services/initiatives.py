"""Initiatives, their drafts, initiators and revocation (DESIGN.md §1-§2)."""

from sqlmodel import Session, col, select

from proposals.clock import Clock, utcnow
from proposals.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from proposals.models import Draft, Initiative, Initiator, Issue, Member
from proposals.models.deliberation import CONTENT_MAX, NAME_MAX
from proposals.services import search
from proposals.services.access import (
    initiative_right_refusal,
    phase_refusal,
    refuse,
    require_initiative_right,
)
from proposals.services.events import append_issue_event
from proposals.services.issues import (
    BEFORE_FULL_FREEZE,
    BEFORE_HALF_FREEZE,
    current_draft_ids,
    get_issue,
    lock_issue,
    require_phase,
)
from proposals.services.members import get_member
from proposals.services.notifications import notify_member, record_cause
from proposals.services.paging import Page, paginate
from proposals.services.structure import get_area, get_policy
from proposals.services.text import clean_text


def get_initiative(session: Session, initiative_id: int) -> Initiative:
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise NotFound(f"initiative {initiative_id} not found")
    return initiative


def get_draft(session: Session, draft_id: int) -> Draft:
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound(f"draft {draft_id} not found")
    return draft


def list_initiatives(
    session: Session, *, issue_id: int | None, after: int | None, limit: int
) -> Page[Initiative]:
    statement = select(Initiative)
    if issue_id is not None:
        statement = statement.where(Initiative.issue_id == issue_id)
    return paginate(session, statement, Initiative.id, after=after, limit=limit)


def list_drafts(
    session: Session, initiative_id: int, *, after: int | None, limit: int
) -> Page[Draft]:
    get_initiative(session, initiative_id)
    statement = select(Draft).where(Draft.initiative_id == initiative_id)
    return paginate(session, statement, Draft.id, after=after, limit=limit)


def drafts_of(session: Session, initiative_id: int) -> list[Draft]:
    """Every draft of the initiative, oldest first (the last is current; its place in this list
    is its version number)."""
    get_initiative(session, initiative_id)
    statement = select(Draft).where(Draft.initiative_id == initiative_id)
    return list(session.exec(statement.order_by(col(Draft.id))))


def current_draft_id(session: Session, initiative: Initiative) -> int:
    return current_draft_ids(session, [initiative.id or 0])[initiative.id or 0]


def list_initiators(session: Session, initiative_id: int) -> list[Initiator]:
    get_initiative(session, initiative_id)
    return list(
        session.exec(
            select(Initiator)
            .where(Initiator.initiative_id == initiative_id)
            .order_by(col(Initiator.member_id))
        )
    )


def is_initiator(session: Session, initiative_id: int, member_id: int) -> bool:
    initiator = session.get(Initiator, (initiative_id, member_id))
    return initiator is not None and initiator.accepted is True


def initiator_refusal(session: Session, initiative: Initiative, member: Member) -> Forbidden | None:
    """DESIGN.md §1: only initiators (creator and accepted invitees) post drafts or revoke."""
    if not is_initiator(session, initiative.id or 0, member.id or 0):
        return Forbidden("only an initiator of this initiative may do this")
    return None


def require_initiator(session: Session, initiative: Initiative, member: Member) -> None:
    refuse(initiator_refusal(session, initiative, member))


def revoked_refusal(initiative: Initiative) -> Conflict | None:
    """DESIGN.md §2: a revoked initiative can no longer be changed, supported or rated (409)."""
    if initiative.revoked_at is not None:
        return Conflict("the initiative has been revoked")
    return None


def require_not_revoked(initiative: Initiative) -> None:
    refuse(revoked_refusal(initiative))


def proposal_refusal(
    session: Session, unit_id: int, member: Member, issue: Issue | None = None
) -> DomainError | None:
    """DESIGN.md §1: proposing needs initiative right in the unit (403); a competing initiative
    joins its issue only until voting starts (409)."""
    return initiative_right_refusal(session, unit_id, member) or (
        phase_refusal(issue, BEFORE_FULL_FREEZE, "a new initiative") if issue else None
    )


def changeable_refusal(
    session: Session, initiative: Initiative, issue: Issue, member: Member, action: str
) -> DomainError | None:
    """DESIGN.md §1-§2: an initiative changes (new draft, revoke, deciding suggestions) by an
    initiator (403), before half freeze (409), while not revoked (409)."""
    return (
        initiator_refusal(session, initiative, member)
        or phase_refusal(issue, BEFORE_HALF_FREEZE, action)
        or revoked_refusal(initiative)
    )


def draft_refusal(
    session: Session, initiative: Initiative, issue: Issue, member: Member
) -> DomainError | None:
    """DESIGN.md §1-§2: a new draft needs initiative right (403), then
    :func:`changeable_refusal`."""
    return initiative_right_refusal(session, issue.unit_id, member) or changeable_refusal(
        session, initiative, issue, member, "a new draft"
    )


def create_initiative(
    session: Session,
    *,
    actor: Member,
    name: str,
    content: str,
    area_id: int | None = None,
    policy_id: int | None = None,
    issue_id: int | None = None,
    clock: Clock = utcnow,
) -> Initiative:
    """DESIGN.md §1: the first initiative creates its issue in the same transaction; competing
    initiatives may join an issue until voting starts. Creating does not make the creator a
    supporter."""
    name = clean_text(name, "name", max_length=NAME_MAX)
    content = clean_text(content, "content", max_length=CONTENT_MAX, strip=False)
    now = clock()
    if issue_id is None:
        if area_id is None or policy_id is None:
            raise InvalidInput("give issue_id, or area_id and policy_id for a new issue")
        area = get_area(session, area_id)
        policy = get_policy(session, policy_id)
        refuse(proposal_refusal(session, area.unit_id, actor))
        if not policy.active:
            raise Conflict(f"policy {policy_id} is inactive and takes no new issues")
        issue = Issue(
            area_id=area.id or 0,
            unit_id=area.unit_id,
            policy_id=policy.id or 0,
            state="admission",
            created_at=now,
            min_admission_time=policy.min_admission_time,
            max_admission_time=policy.max_admission_time,
            discussion_time=policy.discussion_time,
            verification_time=policy.verification_time,
            voting_time=policy.voting_time,
        )
        session.add(issue)
        session.flush()
    else:
        issue = lock_issue(session, issue_id, shared=True)
        refuse(proposal_refusal(session, issue.unit_id, actor, issue))
    initiative = Initiative(issue_id=issue.id or 0, name=name, created_at=now)
    session.add(initiative)
    session.flush()
    draft = Draft(
        initiative_id=initiative.id or 0, author_id=actor.id or 0, created_at=now, content=content
    )
    session.add(draft)
    session.add(Initiator(initiative_id=initiative.id or 0, member_id=actor.id or 0, accepted=True))
    session.flush()
    search.index_initiative(session, initiative, draft)
    if issue_id is None:  # issue 11: the area's subscribers hear of the new issue
        record_cause(
            session, "new_issue", issue, actor_id=actor.id, now=now, initiative_id=initiative.id
        )
    append_issue_event(
        session,
        "initiative_created",
        issue,
        member_id=actor.id,
        initiative_id=initiative.id,
        draft_id=draft.id,
        clock=lambda: now,
    )
    return initiative


def lock_initiative(session: Session, initiative_id: int) -> Initiative:
    """Re-read the initiative and lock its row (PostgreSQL) for a change by an initiator, so two
    concurrent changes see each other (one revocation wins; nothing changes a revoked one). The
    lock does not block inserts that merely refer to the initiative (support, opinions)."""
    return session.exec(
        select(Initiative)
        .where(Initiative.id == initiative_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()


def _changeable(session: Session, initiative: Initiative, actor: Member, action: str) -> Issue:
    """:func:`changeable_refusal`, under a shared lock of the issue and a lock of the
    initiative."""
    issue = lock_issue(session, initiative.issue_id, shared=True)
    initiative = lock_initiative(session, initiative.id or 0)
    refuse(changeable_refusal(session, initiative, issue, actor, action))
    return issue


def add_draft(
    session: Session,
    *,
    actor: Member,
    initiative: Initiative,
    issue: Issue,
    content: str,
    clock: Clock = utcnow,
) -> Draft:
    """Write a new current draft and its event (used by new drafts and accepted amendments)."""
    now = clock()
    draft = Draft(
        initiative_id=initiative.id or 0, author_id=actor.id or 0, created_at=now, content=content
    )
    session.add(draft)
    session.flush()
    search.index_initiative(session, initiative, draft)
    # issue 11: supporters whose support is on an older draft hear of it
    record_cause(
        session,
        "new_draft",
        issue,
        actor_id=actor.id,
        now=now,
        initiative_id=initiative.id,
        draft_id=draft.id,
    )
    append_issue_event(
        session,
        "draft_created",
        issue,
        member_id=actor.id,
        initiative_id=initiative.id,
        draft_id=draft.id,
        clock=lambda: now,
    )
    return draft


def create_draft(
    session: Session, *, actor: Member, initiative_id: int, content: str, clock: Clock = utcnow
) -> Draft:
    """DESIGN.md §1-§2: initiators post drafts in admission and discussion only."""
    content = clean_text(content, "content", max_length=CONTENT_MAX, strip=False)
    initiative = get_initiative(session, initiative_id)
    issue = lock_issue(session, initiative.issue_id, shared=True)
    initiative = lock_initiative(session, initiative_id)
    refuse(draft_refusal(session, initiative, issue, actor))
    return add_draft(
        session, actor=actor, initiative=initiative, issue=issue, content=content, clock=clock
    )


def revoke_initiative(
    session: Session,
    *,
    actor: Member,
    initiative_id: int,
    suggested_initiative_id: int | None = None,
    clock: Clock = utcnow,
) -> Initiative:
    """DESIGN.md §2: initiators revoke in admission and discussion, optionally pointing to
    another non-revoked initiative of the same issue."""
    initiative = get_initiative(session, initiative_id)
    issue = _changeable(session, initiative, actor, "revoking")
    if suggested_initiative_id is not None:
        suggested = session.get(Initiative, suggested_initiative_id)
        if (
            suggested is None
            or suggested.id == initiative.id
            or suggested.issue_id != initiative.issue_id
            or suggested.revoked_at is not None
        ):
            raise InvalidInput(
                "suggested_initiative_id must be another non-revoked initiative of the same issue"
            )
    now = clock()
    initiative.revoked_at = now
    initiative.revoked_by_member_id = actor.id
    initiative.suggested_initiative_id = suggested_initiative_id
    session.add(initiative)
    session.flush()
    append_issue_event(
        session,
        "initiative_revoked",
        issue,
        member_id=actor.id,
        initiative_id=initiative.id,
        clock=lambda: now,
    )
    return initiative


def invite_initiator(
    session: Session, *, actor: Member, initiative_id: int, member_id: int, clock: Clock = utcnow
) -> Initiator:
    """An initiator invites a member (admission or discussion; not once revoked); the invitee
    is notified (issue 11)."""
    initiative = get_initiative(session, initiative_id)
    issue = _changeable(session, initiative, actor, "inviting an initiator")
    get_member(session, member_id)
    existing = session.get(Initiator, (initiative_id, member_id))
    if existing is not None and existing.accepted is not False:
        raise Conflict(f"member {member_id} is already an initiator or invited")
    initiator = existing or Initiator(initiative_id=initiative_id, member_id=member_id)
    initiator.accepted = None
    session.add(initiator)
    session.flush()
    notify_member(
        session,
        member_id,
        "invitation",
        actor_id=actor.id,
        text=f"{actor.name} invites you to become an initiator of {initiative.name}",
        reason="because you were invited as a co-initiator",
        now=clock(),
        unit_id=issue.unit_id,
        area_id=issue.area_id,
        issue_id=issue.id,
        initiative_id=initiative.id,
    )
    return initiator


def answer_invitation(
    session: Session, *, actor: Member, initiative_id: int, accepted: bool
) -> Initiator:
    """An invited member accepts (needs initiative right) or declines the invitation."""
    initiative = get_initiative(session, initiative_id)
    initiator = session.get(Initiator, (initiative_id, actor.id or 0))
    if initiator is None:
        raise NotFound("you have not been invited to this initiative")
    issue = get_issue(session, initiative.issue_id)
    if accepted:
        require_initiative_right(session, issue.unit_id, actor)
    issue = lock_issue(session, initiative.issue_id, shared=True)
    require_phase(issue, BEFORE_HALF_FREEZE, "changing initiators")
    require_not_revoked(lock_initiative(session, initiative_id))
    if initiator.accepted is not None and initiator.accepted != accepted:
        raise Conflict("the invitation has already been answered")
    initiator.accepted = accepted
    session.add(initiator)
    session.flush()
    return initiator
