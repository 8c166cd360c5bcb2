"""Interest, support, suggestions, opinions and amendments (DESIGN.md §1)."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, delete, select

from proposals.clock import Clock, utcnow
from proposals.errors import Conflict, DomainError, NotFound
from proposals.models import (
    Initiative,
    Interest,
    Issue,
    Member,
    Opinion,
    Suggestion,
    Supporter,
)
from proposals.models.deliberation import CONTENT_MAX, NAME_MAX, REASON_MAX
from proposals.services import search
from proposals.services.access import participation_refusal, refuse, require_initiative_right
from proposals.services.events import append_issue_event
from proposals.services.initiatives import (
    add_draft,
    changeable_refusal,
    current_draft_id,
    get_initiative,
    lock_initiative,
    revoked_refusal,
)
from proposals.services.issues import (
    BEFORE_FULL_FREEZE,
    BEFORE_HALF_FREEZE,
    get_issue,
    lock_issue,
)
from proposals.services.notifications import notify_initiators_of_suggestion
from proposals.services.paging import Page, paginate
from proposals.services.text import clean_text
from proposals.services.upsert import upsert


@dataclass(frozen=True)
class SupportView:
    initiative_id: int
    member_id: int
    draft_id: int
    informed: bool


def _participating(
    session: Session, issue_id: int, actor: Member, action: str, phases: tuple[str, ...]
) -> Issue:
    """:func:`~proposals.services.access.participation_refusal` under a shared lock of the
    issue."""
    issue = lock_issue(session, issue_id, shared=True)
    refuse(participation_refusal(session, issue, actor, action, phases))
    return issue


def interest_refusal(
    session: Session, issue: Issue, member: Member, *, removing: bool = False
) -> DomainError | None:
    """DESIGN.md §1: declaring or removing interest, until full freeze (with voting right)."""
    action = "removing interest" if removing else "declaring interest"
    return participation_refusal(session, issue, member, action, BEFORE_FULL_FREEZE)


def support_refusal(
    session: Session, initiative: Initiative, issue: Issue, member: Member
) -> DomainError | None:
    """DESIGN.md §1-§2: supporting, until full freeze (with voting right), not a revoked
    initiative."""
    return participation_refusal(
        session, issue, member, "supporting", BEFORE_FULL_FREEZE
    ) or revoked_refusal(initiative)


def suggestion_refusal(
    session: Session, initiative: Initiative, issue: Issue, member: Member
) -> DomainError | None:
    """DESIGN.md §1-§2: a new suggestion, until half freeze (with voting right), not on a
    revoked initiative."""
    return participation_refusal(
        session, issue, member, "a new suggestion", BEFORE_HALF_FREEZE
    ) or revoked_refusal(initiative)


def rating_refusal(
    session: Session, initiative: Initiative, issue: Issue, member: Member
) -> DomainError | None:
    """DESIGN.md §1-§2: rating suggestions, until full freeze (with voting right), not on a
    revoked initiative."""
    return participation_refusal(
        session, issue, member, "rating", BEFORE_FULL_FREEZE
    ) or revoked_refusal(initiative)


# Interest ----------------------------------------------------------------------------------------


def _ensure_interest(session: Session, issue_id: int, member_id: int) -> None:
    upsert(
        session,
        Interest,
        {"issue_id": issue_id, "member_id": member_id},
        keys=["issue_id", "member_id"],
    )


def declare_interest(session: Session, *, actor: Member, issue_id: int) -> None:
    """DESIGN.md §1: interest means taking part directly (until full freeze)."""
    issue = lock_issue(session, issue_id, shared=True)
    refuse(interest_refusal(session, issue, actor))
    _ensure_interest(session, issue_id, actor.id or 0)


def has_interest(session: Session, issue_id: int, member_id: int) -> bool:
    """Whether the member takes part directly in the issue (has declared interest)."""
    return session.get(Interest, (issue_id, member_id)) is not None


def remove_interest(
    session: Session, *, actor: Member, issue_id: int, clock: Clock = utcnow
) -> None:
    """DESIGN.md §1: removing interest removes the member's support in that issue (and with it
    their opinions on the suggestions of those initiatives)."""
    issue = lock_issue(session, issue_id, shared=True)
    refuse(interest_refusal(session, issue, actor, removing=True))
    member_id = actor.id or 0
    supported = session.exec(
        select(Supporter.initiative_id).where(
            Supporter.issue_id == issue_id, Supporter.member_id == member_id
        )
    ).all()
    for initiative_id in supported:
        _drop_support(session, initiative_id, member_id, clock)
    interest = session.get(Interest, (issue_id, member_id))
    if interest is not None:
        session.delete(interest)
        session.flush()


# Support -----------------------------------------------------------------------------------------


def _support_view(session: Session, supporter: Supporter, initiative: Initiative) -> SupportView:
    return SupportView(
        initiative_id=supporter.initiative_id,
        member_id=supporter.member_id,
        draft_id=supporter.draft_id,
        informed=supporter.draft_id == current_draft_id(session, initiative),
    )


def _ensure_support(
    session: Session, initiative: Initiative, member_id: int, draft_id: int | None
) -> Supporter:
    """Make the member a supporter (of ``draft_id``, else of the current draft if new)."""
    session.flush()
    upsert(
        session,
        Supporter,
        {
            "initiative_id": initiative.id or 0,
            "member_id": member_id,
            "issue_id": initiative.issue_id,
            "draft_id": draft_id or current_draft_id(session, initiative),
        },
        keys=["initiative_id", "member_id"],
        update={"draft_id": draft_id} if draft_id is not None else None,
    )
    _ensure_interest(session, initiative.issue_id, member_id)
    supporter = session.exec(
        select(Supporter)
        .where(Supporter.initiative_id == initiative.id, Supporter.member_id == member_id)
        .execution_options(populate_existing=True)
    ).one()
    return supporter


def support(
    session: Session, *, actor: Member, initiative_id: int, draft_id: int | None = None
) -> SupportView:
    """DESIGN.md §1: supporting implies interest; supporting again (without a draft or naming
    the current one) moves the support to the current draft, which makes the supporter
    informed. Naming another draft is 409."""
    initiative = get_initiative(session, initiative_id)
    issue = lock_issue(session, initiative.issue_id, shared=True)
    refuse(support_refusal(session, initiative, issue, actor))
    current = current_draft_id(session, initiative)
    if draft_id is not None and draft_id != current:
        raise Conflict(f"draft {draft_id} is not the current draft ({current}) of the initiative")
    supporter = _ensure_support(session, initiative, actor.id or 0, current)
    return _support_view(session, supporter, initiative)


def _drop_support(
    session: Session, initiative_id: int, member_id: int, clock: Clock = utcnow
) -> None:
    """DESIGN.md §1: withdrawing support deletes the member's opinions on that initiative's
    suggestions; an open suggestion whose last opinion goes disappears."""
    touched = session.exec(
        select(Opinion.suggestion_id).where(
            Opinion.initiative_id == initiative_id, Opinion.member_id == member_id
        )
    ).all()
    session.exec(
        delete(Opinion).where(
            col(Opinion.initiative_id) == initiative_id, col(Opinion.member_id) == member_id
        )
    )
    supporter = session.get(Supporter, (initiative_id, member_id))
    if supporter is not None:
        session.delete(supporter)
    session.flush()
    for suggestion_id in touched:
        _remove_if_abandoned(session, suggestion_id, clock)


def withdraw_support(
    session: Session, *, actor: Member, initiative_id: int, clock: Clock = utcnow
) -> None:
    initiative = get_initiative(session, initiative_id)
    _participating(session, initiative.issue_id, actor, "withdrawing support", BEFORE_FULL_FREEZE)
    _drop_support(session, initiative_id, actor.id or 0, clock)


def get_support(session: Session, initiative_id: int, member_id: int) -> SupportView | None:
    initiative = get_initiative(session, initiative_id)
    supporter = session.get(Supporter, (initiative_id, member_id))
    return None if supporter is None else _support_view(session, supporter, initiative)


# Suggestions and opinions ------------------------------------------------------------------------


def get_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.removed_at is not None:
        raise NotFound(f"suggestion {suggestion_id} not found")
    return suggestion


def list_suggestions(
    session: Session, initiative_id: int, *, after: int | None, limit: int
) -> Page[Suggestion]:
    get_initiative(session, initiative_id)
    statement = select(Suggestion).where(
        Suggestion.initiative_id == initiative_id, col(Suggestion.removed_at).is_(None)
    )
    return paginate(session, statement, Suggestion.id, after=after, limit=limit)


def list_opinions(
    session: Session, suggestion_id: int, *, after: int | None, limit: int
) -> Page[Opinion]:
    get_suggestion(session, suggestion_id)
    statement = select(Opinion).where(Opinion.suggestion_id == suggestion_id)
    return paginate(session, statement, Opinion.member_id, after=after, limit=limit)


def opinions_of(session: Session, initiative_id: int, member_id: int) -> dict[int, Opinion]:
    """The member's own opinions on the suggestions of one initiative, by suggestion id."""
    statement = select(Opinion).where(
        Opinion.member_id == member_id, Opinion.initiative_id == initiative_id
    )
    return {o.suggestion_id: o for o in session.exec(statement)}


def _remove_if_abandoned(session: Session, suggestion_id: int, clock: Clock = utcnow) -> None:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None or suggestion.status != "open" or suggestion.removed_at is not None:
        return
    left = session.exec(select(Opinion).where(Opinion.suggestion_id == suggestion_id)).first()
    if left is None:
        suggestion.removed_at = clock()
        session.add(suggestion)
        session.flush()
        search.unindex_suggestion(session, suggestion_id)


def _rate(
    session: Session,
    suggestion: Suggestion,
    initiative: Initiative,
    member_id: int,
    degree: int,
    fulfilled: bool,
) -> Opinion:
    """DESIGN.md §1: rating makes the rater a supporter if they were not one (of the current
    draft); an existing support keeps its draft. Insert-or-update in one statement, so one
    member's identical ratings at once (a double click) never both insert."""
    _ensure_support(session, initiative, member_id, None)
    upsert(
        session,
        Opinion,
        {
            "suggestion_id": suggestion.id or 0,
            "member_id": member_id,
            "initiative_id": initiative.id or 0,
            "degree": degree,
            "fulfilled": fulfilled,
        },
        keys=["suggestion_id", "member_id"],
        update={"degree": degree, "fulfilled": fulfilled},
    )
    return session.exec(
        select(Opinion)
        .where(Opinion.suggestion_id == suggestion.id, Opinion.member_id == member_id)
        .execution_options(populate_existing=True)
    ).one()


def create_suggestion(
    session: Session,
    *,
    actor: Member,
    initiative_id: int,
    name: str,
    content: str,
    degree: int = 2,
    replacement_content: str | None = None,
    clock: Clock = utcnow,
) -> Suggestion:
    """DESIGN.md §1-§2: suggestions until half freeze; records the draft its author saw and the
    author's own opinion."""
    name = clean_text(name, "name", max_length=NAME_MAX)
    content = clean_text(content, "content", max_length=CONTENT_MAX, strip=False)
    if replacement_content is not None:
        replacement_content = clean_text(
            replacement_content, "replacement content", max_length=CONTENT_MAX, strip=False
        )
    initiative = get_initiative(session, initiative_id)
    issue = lock_issue(session, initiative.issue_id, shared=True)
    refuse(suggestion_refusal(session, initiative, issue, actor))
    now = clock()
    suggestion = Suggestion(
        initiative_id=initiative_id,
        draft_id=current_draft_id(session, initiative),
        author_id=actor.id or 0,
        name=name,
        content=content,
        replacement_content=replacement_content,
        created_at=now,
    )
    session.add(suggestion)
    session.flush()
    search.index_suggestion(session, suggestion)
    _rate(session, suggestion, initiative, actor.id or 0, degree, False)
    notify_initiators_of_suggestion(session, suggestion, initiative, issue)
    append_issue_event(
        session,
        "suggestion_created",
        issue,
        member_id=actor.id,
        initiative_id=initiative.id,
        suggestion_id=suggestion.id,
        clock=lambda: now,
    )
    return suggestion


def set_opinion(
    session: Session, *, actor: Member, suggestion_id: int, degree: int, fulfilled: bool
) -> Opinion:
    """Rate a suggestion until full freeze (not on a revoked initiative)."""
    suggestion = get_suggestion(session, suggestion_id)
    initiative = get_initiative(session, suggestion.initiative_id)
    issue = lock_issue(session, initiative.issue_id, shared=True)
    refuse(rating_refusal(session, initiative, issue, actor))
    return _rate(session, suggestion, initiative, actor.id or 0, degree, fulfilled)


def remove_opinion(
    session: Session, *, actor: Member, suggestion_id: int, clock: Clock = utcnow
) -> None:
    suggestion = get_suggestion(session, suggestion_id)
    initiative = get_initiative(session, suggestion.initiative_id)
    _participating(session, initiative.issue_id, actor, "rating", BEFORE_FULL_FREEZE)
    opinion = session.get(Opinion, (suggestion_id, actor.id or 0))
    if opinion is not None:
        session.delete(opinion)
        session.flush()
        _remove_if_abandoned(session, suggestion_id, clock)


def _decidable(
    session: Session, actor: Member, suggestion_id: int, action: str
) -> tuple[Suggestion, Initiative, Issue]:
    """Initiator (403), then the phase before half freeze (409), then an initiative not revoked
    and a suggestion still open (409)."""
    suggestion = get_suggestion(session, suggestion_id)
    initiative = get_initiative(session, suggestion.initiative_id)
    issue = lock_issue(session, initiative.issue_id, shared=True)
    initiative = lock_initiative(session, initiative.id or 0)
    refuse(changeable_refusal(session, initiative, issue, actor, action))
    # Lock the suggestion before reading its status and before any event (the feed's lock), so
    # two initiators deciding at once neither both succeed nor deadlock: the second waits, then
    # sees the decision.
    suggestion = session.exec(
        select(Suggestion)
        .where(Suggestion.id == suggestion_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    ).one()
    if suggestion.status != "open":
        raise Conflict(f"the suggestion is already {suggestion.status}")
    return suggestion, initiative, issue


def _decide(
    session: Session,
    actor: Member,
    decided: tuple[Suggestion, Initiative, Issue],
    *,
    status: str,
    reason: str | None,
    now: datetime,
) -> Suggestion:
    """Record an initiator's decision on a suggestion and its event."""
    suggestion, initiative, issue = decided
    suggestion.status = status
    suggestion.status_reason = reason
    session.add(suggestion)
    session.flush()
    append_issue_event(
        session,
        f"suggestion_{status}",
        issue,
        member_id=actor.id,
        initiative_id=initiative.id,
        suggestion_id=suggestion.id,
        clock=lambda: now,
    )
    notify_initiators_of_suggestion(session, suggestion, initiative, issue)
    return suggestion


def accept_suggestion(
    session: Session, *, actor: Member, suggestion_id: int, clock: Clock = utcnow
) -> Suggestion:
    """DESIGN.md §1 [beyond]: an initiator accepts a suggestion's replacement text: a new draft
    with exactly that content, authored by the accepting initiator (who needs initiative right,
    as for any draft), becomes current; nobody's opinions change."""
    suggestion = get_suggestion(session, suggestion_id)
    unit_id = get_issue(session, get_initiative(session, suggestion.initiative_id).issue_id).unit_id
    require_initiative_right(session, unit_id, actor)
    decided = _decidable(session, actor, suggestion_id, "accepting")
    suggestion, initiative, issue = decided
    if suggestion.replacement_content is None:
        raise Conflict("the suggestion has no replacement text to accept")
    now = clock()
    add_draft(
        session,
        actor=actor,
        initiative=initiative,
        issue=issue,
        content=suggestion.replacement_content,
        clock=lambda: now,
    )
    return _decide(session, actor, decided, status="accepted", reason=None, now=now)


def reject_suggestion(
    session: Session, *, actor: Member, suggestion_id: int, reason: str, clock: Clock = utcnow
) -> Suggestion:
    """DESIGN.md §1 [beyond]: an initiator rejects an open suggestion with a reason; it keeps
    its opinions and counts."""
    reason = clean_text(reason, "reason", max_length=REASON_MAX)
    decided = _decidable(session, actor, suggestion_id, "rejecting")
    return _decide(session, actor, decided, status="rejected", reason=reason, now=clock())
