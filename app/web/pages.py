"""The web client's pages: server-rendered, public per ``PUBLIC_ACCESS``, indexable."""

from collections import defaultdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from app.settings import PublicAccess
from app.web import delegation_box, results_chart
from app.web.context import PageDep, WebRoute, why_not
from app.web.delegation_box import Box
from app.web.diff import diff_html, draft_diff
from app.web.lists import PAGE_SIZE, after_param, every, pager
from proposals.errors import InvalidInput, NotFound
from proposals.lifecycle import quorum_needed
from proposals.models import Issue
from proposals.services import (
    chains,
    delegations,
    explain,
    initiatives,
    issues,
    members,
    participation,
    records,
    structure,
    voting,
)
from proposals.services.access import is_eligible

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PHASES = ("admission", "discussion", "verification", "voting")


def _issue_rows(page: PageDep, items: list[Issue]) -> list[dict[str, Any]]:
    by_issue = issues.initiatives_of(page.session, [i.id or 0 for i in items])
    now = page.clock()
    rows = []
    for issue in items:
        ends = issues.phase_ends_at(issue)
        rows.append(
            {
                "issue": issue,
                "initiatives": by_issue[issue.id or 0],
                "ends": ends,
                "left": (ends - now).total_seconds() if ends else None,
            }
        )
    return rows


@router.get("/", response_class=HTMLResponse)
def home(page: PageDep) -> HTMLResponse:
    session = page.session
    unit_page = structure.list_units(session, after=after_param(page, "units"), limit=PAGE_SIZE)
    units = list(unit_page.items)
    shown = {u.id for u in units}
    areas = [
        a
        for a in every(
            lambda after: structure.list_areas(session, unit_id=None, after=after, limit=500)
        )
        if a.unit_id in shown
    ]
    areas_by_unit: dict[int, list[Any]] = defaultdict(list)
    for area in areas:
        areas_by_unit[area.unit_id].append(area)
    grouped: dict[str, list[dict[str, Any]]] = {phase: [] for phase in PHASES}
    open_page = issues.list_open_issues(session, after=after_param(page, "open"), limit=PAGE_SIZE)
    for row in _issue_rows(page, list(open_page.items)):
        grouped[row["issue"].state].append(row)
    return page.render(
        "home.html",
        title="Liquid Policy",
        description="Policy proposed, amended, delegated and decided in the open.",
        units=units,
        units_pager=pager(page, "units", unit_page, "units-heading"),
        areas_by_unit=areas_by_unit,
        area_names={a.id: a.name for a in areas},
        grouped=grouped,
        open_pager=pager(page, "open", open_page, "open-heading"),
        closed=_issue_rows(page, issues.recently_closed(session)),
        unit_delegations={u.id: _my_delegation(page, unit_id=u.id or 0) for u in units}
        if page.member
        else {},
        why_not_delegate={
            u.id: why_not(delegations.delegation_refusal(session, u.id or 0, page.member))
            for u in units
        }
        if page.member
        else {},
        members_list=_members_for_select(page) if page.member else [],
    )


@router.get("/areas/{area_id}", response_class=HTMLResponse)
def area_page(area_id: int, page: PageDep) -> HTMLResponse:
    session = page.session
    area = structure.get_area(session, area_id)
    unit = structure.get_unit(session, area.unit_id)
    open_page = issues.list_open_issues(
        session, area_id=area_id, after=after_param(page, "open"), limit=PAGE_SIZE
    )
    policies = [
        p
        for p in every(lambda after: structure.list_policies(session, after=after, limit=500))
        if p.active
    ]
    return page.render(
        "area.html",
        title=f"{area.name} · {unit.name}",
        description=area.description or f"Open and closed issues in {area.name}.",
        area=area,
        unit=unit,
        open=_issue_rows(page, list(open_page.items)),
        open_pager=pager(page, "open", open_page, "open-heading"),
        closed=_issue_rows(page, issues.recently_closed(session, area_id=area_id, limit=50)),
        policies=policies,
        my_delegation=_my_delegation(page, area_id=area_id),
        members_list=_members_for_select(page) if page.member else [],
        why=_why_not_in_area(page, area.unit_id),
    )


def _why_not_in_area(page: PageDep, unit_id: int) -> dict[str, str | None]:
    """Why the member may not propose or delegate here (None: they may), by the services' own
    checks."""
    me = page.member
    if me is None:
        return {}
    return {
        "propose": why_not(initiatives.proposal_refusal(page.session, unit_id, me)),
        "delegation": why_not(delegations.delegation_refusal(page.session, unit_id, me)),
    }


@router.get("/issues/{issue_id}", response_class=HTMLResponse)
def issue_page(issue_id: int, page: PageDep) -> HTMLResponse:
    session = page.session
    issue = issues.get_issue(session, issue_id)
    area = structure.get_area(session, issue.area_id)
    policy = structure.get_policy(session, issue.policy_id)
    items = issues.initiatives_of(session, [issue_id])[issue_id]
    drafts = issues.current_draft_ids(session, [i.id or 0 for i in items])
    closed = issue.closed_at is not None
    results: dict[str, Any] = {}
    if closed:
        battles = every(
            lambda after: voting.list_battles(session, issue_id, after=after, limit=500)
        )
        results["battle"] = {
            (b.winning_initiative_id, b.losing_initiative_id): b.count for b in battles
        }
        results["explained"] = explain.issue_result(session, issue_id)
        results["votes_chart"] = results_chart.votes_chart(results["explained"], policy)
        results["ranking_chart"] = results_chart.ranking_chart(results["explained"])
        if page.shows_members:
            voter_page = voting.list_direct_voters(
                session, issue_id, after=after_param(page, "voters"), limit=PAGE_SIZE
            )
            delegating_page = voting.list_delegating_voters(
                session, issue_id, after=after_param(page, "delegating"), limit=PAGE_SIZE
            )
            voters, delegating = list(voter_page.items), list(delegating_page.items)
            results["voters_pager"] = pager(page, "voters", voter_page, "direct-voters-heading")
            results["delegating_pager"] = pager(
                page, "delegating", delegating_page, "delegating-voters-heading"
            )
            results["voters"] = sorted(voters, key=lambda v: (-v.weight, v.member_id))
            results["delegating"] = delegating
            results["chains"] = voting.delegate_chains(
                session, issue_id, [d.member_id for d in delegating], known=[*voters, *delegating]
            )
    me = page.member
    my: dict[str, Any] = {}
    if me is not None:
        my["interested"] = participation.has_interest(session, issue_id, me.id or 0)
        my["eligible"] = is_eligible(session, issue.unit_id, me)
        if issue.state == "voting":
            try:
                my["ballot"] = dict(voting.get_ballot(session, actor=me, issue_id=issue_id).votes)
            except NotFound:
                my["ballot"] = None
        my["delegation"] = _my_delegation(page, issue_id=issue_id)
        if closed:
            try:
                my["counted"] = records.explain_member_vote(session, issue_id, me.id or 0, you=True)
            except NotFound:  # no record (canceled, closed before records, not yet written)
                my["counted"] = None
        my["why"] = {
            "interest": why_not(
                participation.interest_refusal(session, issue, me, removing=my["interested"])
            ),
            "ballot": why_not(voting.ballot_refusal(session, issue, me)),
            "delegation": why_not(
                delegations.delegation_refusal(session, issue.unit_id, me, issue)
            ),
            "propose": why_not(initiatives.proposal_refusal(session, issue.unit_id, me, issue)),
        }
    names = members.names_of(
        session,
        [
            *(v.member_id for v in results.get("voters", [])),
            *(d.member_id for d in results.get("delegating", [])),
            *(m for chain in results.get("chains", {}).values() for m in chain),
        ],
    )
    return page.render(
        "issue.html",
        title=f"Issue {issue_id}: " + " / ".join(i.name for i in items[:3]),
        description=f"Issue {issue_id} in {area.name}, {issue.state.replace('_', ' ')}.",
        issue=issue,
        area=area,
        policy=policy,
        initiatives=items,
        drafts=drafts,
        ends=issues.phase_ends_at(issue),
        issue_quorum=quorum_needed(
            issue.population or 0, policy.issue_quorum_num, policy.issue_quorum_den
        ),
        initiative_quorum=quorum_needed(
            issue.population or 0, policy.initiative_quorum_num, policy.initiative_quorum_den
        ),
        results=results,
        names=names,
        my=my,
        admitted=[i for i in items if i.admitted],
        members_list=_members_for_select(page) if me else [],
    )


def _my_delegation(page: PageDep, **scope: int) -> Box | None:
    """The delegation box: where the member's vote goes now at this scope, and why."""
    me = page.member
    if me is None:
        return None
    ((key, value),) = scope.items()
    return delegation_box.box(page.session, me.id or 0, key.removesuffix("_id"), value)


def _members_for_select(page: PageDep) -> list[tuple[int, str]]:
    """Every member, for the delegation box's choice (a choice list is never cut)."""
    return [
        (m.id or 0, m.name)
        for m in every(lambda after: members.list_members(page.session, after=after, limit=500))
    ]


@router.get("/initiatives/new", response_class=HTMLResponse)
def new_initiative_page(
    page: PageDep, area_id: int | None = None, issue_id: int | None = None
) -> HTMLResponse:
    me = page.require_member()
    session = page.session
    issue = issues.get_issue(session, issue_id) if issue_id else None
    area = structure.get_area(session, issue.area_id if issue else area_id or 0)
    why = why_not(initiatives.proposal_refusal(session, area.unit_id, me, issue))
    policies = [
        p
        for p in every(lambda after: structure.list_policies(session, after=after, limit=500))
        if p.active
    ]
    return page.render(
        "new_initiative.html",
        title="New initiative",
        description="Propose a new initiative.",
        area=area,
        issue=issue,
        policies=policies,
        why=why,
    )


@router.get("/initiatives/{initiative_id}", response_class=HTMLResponse)
def initiative_page(
    initiative_id: int, page: PageDep, diff_from: int | None = None, diff_to: int | None = None
) -> HTMLResponse:
    session = page.session
    initiative = initiatives.get_initiative(session, initiative_id)
    issue = issues.get_issue(session, initiative.issue_id)
    area = structure.get_area(session, issue.area_id)
    drafts = initiatives.drafts_of(session, initiative_id)
    current = drafts[-1]
    by_id = {d.id: d for d in drafts}
    diff = None
    if len(drafts) > 1:
        old = by_id.get(diff_from) if diff_from else drafts[-2]
        new = by_id.get(diff_to) if diff_to else current
        if old is None or new is None:
            raise InvalidInput("those drafts do not belong to this initiative")
        diff = {"old": old, "new": new, "html": diff_html(draft_diff(old.content, new.content))}
    suggestion_page = participation.list_suggestions(
        session, initiative_id, after=after_param(page, "suggestions"), limit=PAGE_SIZE
    )
    suggestions = list(suggestion_page.items)
    initiators = initiatives.list_initiators(session, initiative_id)
    me = page.member
    my: dict[str, Any] = {}
    if me is not None:
        my["support"] = participation.get_support(session, initiative_id, me.id or 0)
        my["initiator"] = initiatives.is_initiator(session, initiative_id, me.id or 0)
        my["opinions"] = participation.opinions_of(session, initiative_id, me.id or 0)
        my["why"] = {
            "support": why_not(participation.support_refusal(session, initiative, issue, me)),
            "draft": why_not(initiatives.draft_refusal(session, initiative, issue, me)),
            "revoke": why_not(
                initiatives.changeable_refusal(session, initiative, issue, me, "revoking")
            ),
            "suggestion": why_not(participation.suggestion_refusal(session, initiative, issue, me)),
            "rating": why_not(participation.rating_refusal(session, initiative, issue, me)),
        }
    names = members.names_of(
        session,
        [
            *(d.author_id for d in drafts),
            *(s.author_id for s in suggestions),
            *(i.member_id for i in initiators),
        ],
    )
    return page.render(
        "initiative.html",
        title=f"{initiative.name} · Issue {issue.id}",
        description=_summary(current.content),
        initiative=initiative,
        issue=issue,
        area=area,
        drafts=drafts,
        versions={d.id: number for number, d in enumerate(drafts, 1)},
        current=current,
        diff=diff,
        suggestions=suggestions,
        suggestions_pager=pager(page, "suggestions", suggestion_page, "suggestions-heading"),
        initiators=initiators,
        names=names,
        my=my,
        competitors=[
            i
            for i in issues.initiatives_of(session, [issue.id or 0])[issue.id or 0]
            if i.id != initiative_id and i.revoked_at is None
        ],
    )


def _summary(text: str, limit: int = 155) -> str:
    flat = " ".join(text.replace("#", " ").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


@router.get("/members/{member_id}", response_class=HTMLResponse)
def member_page(member_id: int, page: PageDep) -> HTMLResponse:
    page.require_member_view()
    session = page.session
    person = members.get_member(session, member_id)
    given_page = delegations.list_delegations(
        session,
        truster_id=member_id,
        trustee_id=None,
        scope=None,
        after=after_param(page, "given"),
        limit=PAGE_SIZE,
    )
    received_page = delegations.list_delegations(
        session,
        truster_id=None,
        trustee_id=member_id,
        scope=None,
        after=after_param(page, "received"),
        limit=PAGE_SIZE,
    )
    given, received = list(given_page.items), list(received_page.items)
    names = members.names_of(
        session, [*(d.trustee_id for d in given), *(d.truster_id for d in received)]
    )
    return page.render(
        "member.html",
        title=person.name,
        description=_summary(person.statement) or f"{person.name}'s delegate profile.",
        person=person,
        given=given,
        given_pager=pager(page, "given", given_page, "given-heading"),
        received=received,
        received_pager=pager(page, "received", received_page, "received-heading"),
        names=names,
        scope_names=_scope_names(page, [*given, *received]),
        me_is=page.member is not None and page.member.id == member_id,
    )


def _scope_names(page: PageDep, rows: list[Any]) -> dict[tuple[str, int], str]:
    out: dict[tuple[str, int], str] = {}
    for d in rows:
        if d.unit_id:
            out[("unit", d.unit_id)] = structure.get_unit(page.session, d.unit_id).name
        elif d.area_id:
            out[("area", d.area_id)] = structure.get_area(page.session, d.area_id).name
        elif d.issue_id:
            out[("issue", d.issue_id)] = f"issue {d.issue_id}"
    return out


@router.get("/chain", response_class=HTMLResponse)
def chain_page(
    page: PageDep,
    member_id: int,
    issue_id: int | None = None,
    area_id: int | None = None,
    unit_id: int | None = None,
) -> HTMLResponse:
    page.require_member_view()
    scope_ids = {"issue_id": issue_id, "area_id": area_id, "unit_id": unit_id}
    if list(scope_ids.values()).count(None) != 2:
        raise InvalidInput("give exactly one of issue_id, area_id and unit_id")
    session = page.session
    answer = chains.chain_answer(
        session,
        member_id=member_id,
        viewer_id=page.member.id if page.member else None,
        unit_id=unit_id,
        area_id=area_id,
        issue_id=issue_id,
    )
    person = members.get_member(session, member_id)
    if issue_id is not None:
        context_label, context_url = f"Issue {issue_id}", f"/issues/{issue_id}"
    elif area_id is not None:
        area = structure.get_area(session, area_id)
        context_label, context_url = f"area {area.name}", f"/areas/{area_id}"
    else:
        unit = structure.get_unit(session, unit_id or 0)
        context_label, context_url = f"unit {unit.name}", "/"
    scope = next(f"{k}={v}" for k, v in scope_ids.items() if v is not None)
    return page.render(
        "chain.html",
        canonical=page.url(f"/chain?member_id={member_id}&{scope}"),
        title=f"Where {person.name}'s vote goes",
        description=f"The delegation chain of {person.name} in {context_label}.",
        person=person,
        rows=answer.rows,
        names=answer.names,
        outcome=answer.outcome,
        context_label=context_label,
        context_url=context_url,
        replayed=answer.replayed,
        declined=answer.declined,
        counted_link=f"/issues/{issue_id}#how-counted"
        if issue_id is not None and answer.replayed and page.member is not None
        else None,
    )


@router.get("/login", response_class=HTMLResponse)
def login_page(page: PageDep, next: str = "/") -> HTMLResponse:
    return page.render(
        "login.html", title="Log in", description="Log in to Liquid Policy.", next=next
    )


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(page: PageDep) -> Response:
    if page.settings.public_access == PublicAccess.NONE:
        return PlainTextResponse("User-agent: *\nDisallow: /\n")
    return PlainTextResponse(
        "User-agent: *\nAllow: /\nDisallow: /login\nDisallow: /api/\n"
        f"Sitemap: {page.url('/sitemap.xml')}\n"
    )


@router.get("/sitemap.xml")
def sitemap(page: PageDep) -> Response:
    session = page.session
    urls = [page.url("/")]
    urls += [
        page.url(f"/areas/{a.id}")
        for a in every(
            lambda after: structure.list_areas(session, unit_id=None, after=after, limit=500)
        )
    ]
    urls += [
        page.url(f"/issues/{i.id}")
        for i in every(
            lambda after: issues.list_issues(
                session, state=None, area_id=None, unit_id=None, after=after, limit=500
            )
        )
    ]
    urls += [
        page.url(f"/initiatives/{i.id}")
        for i in every(
            lambda after: initiatives.list_initiatives(
                session, issue_id=None, after=after, limit=500
            )
        )
    ]
    body = "".join(f"<url><loc>{u}</loc></url>" for u in urls)
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</urlset>'
    )
    return Response(xml, media_type="application/xml")
