"""The web client's forms: each calls the same ``proposals`` service as the API endpoint, after
the same authorisation (``page.require_member`` names the endpoint's scope, checked by
``app.deps.authorize``)."""

import re
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from fastapi import APIRouter
from fastapi.responses import Response

from app.login import DEVICE_COOKIE, DEVICE_COOKIE_LIFETIME, login_member, new_device_cookie
from app.web import delegation_box, pages
from app.web import session as cookies
from app.web.context import FormDep, PageDep, WebRoute, safe_target
from proposals.errors import DomainError, InvalidInput
from proposals.lifecycle import run_lifecycle
from proposals.models.deliberation import CONTENT_MAX, NAME_MAX, REASON_MAX
from proposals.services import (
    delegations,
    initiatives,
    participation,
    tokens,
    voting,
)
from proposals.services.text import clean_text

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _text(form: FormDep, name: str, *, required: bool = True, max_length: int = 0) -> str:
    """A text field, checked by the same rule as the API's (``clean_text``)."""
    value = form.get(name)
    text = value if isinstance(value, str) else None
    field = name.replace("_", " ")
    return clean_text(text, field, max_length=max_length or None, required=required)


_WHOLE = re.compile(r"-?[0-9]{1,18}")


def _whole(text: str) -> int | None:
    """A whole number that fits a database integer, or None (never int() of 5,000 digits)."""
    text = text.strip()
    return int(text) if _WHOLE.fullmatch(text) else None


def _int(form: FormDep, name: str) -> int | None:
    value = form.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    number = _whole(value)
    if number is None:
        raise InvalidInput(f"{name.replace('_', ' ')} must be a whole number")
    return number


def _initiative_page(page: PageDep, initiative_id: int) -> Callable[[], Response]:
    return lambda: pages.initiative_page(initiative_id, page)


def _issue_page(page: PageDep, issue_id: int) -> Callable[[], Response]:
    return lambda: pages.issue_page(issue_id, page)


_BOX_PAGES = re.compile(r"/(?:(areas|issues)/([0-9]{1,18}))?")


def _box_page(page: PageDep, back: str) -> Callable[[], Response] | None:
    """The page a delegation box was sent from (home, an area, an issue), to show it again
    after a refusal; None for any other address (then the refusal redirects there)."""
    found = _BOX_PAGES.fullmatch(urlsplit(back).path)
    if found is None:
        return None
    kind, number = found.groups()
    if kind == "areas":
        return lambda: pages.area_page(int(number), page)
    if kind == "issues":
        return _issue_page(page, int(number))
    return lambda: pages.home(page)


@router.post("/login")
def login(page: PageDep, form: FormDep) -> Response:
    submitted = form.get("password")  # exactly as typed: never stripped, like the API's
    name, password = (
        _text(form, "username", required=False),
        submitted if isinstance(submitted, str) else "",
    )
    target = safe_target(_text(form, "next", required=False) or "/")
    try:
        member = login_member(
            page.request,
            page.session,
            name=name,
            password=password,
            settings=page.settings,
            hasher=page.request.app.state.hasher,
            clock=page.clock,
            device_cookie=page.request.cookies.get(DEVICE_COOKIE),
        )
    except DomainError as exc:
        page.keep("login", form, leave_out=("password",))
        return page.refuse(
            exc, f"/login?next={quote(target, safe='/')}", lambda: pages.login_page(page, target)
        )
    issued = tokens.issue_web_session(
        page.session, member, lifetime=page.settings.token_lifetime, clock=page.clock
    )
    page.extra_cookies.append((cookies.SESSION_COOKIE, issued.secret, page.settings.token_lifetime))
    device = new_device_cookie(member.name, page.settings.secret_key)
    page.extra_cookies.append((DEVICE_COOKIE, device, DEVICE_COOKIE_LIFETIME))
    return page.redirect(target, "success", f"Welcome, {member.name}.")


@router.post("/logout")
def logout(page: PageDep, form: FormDep) -> Response:
    if page.credentials is not None:
        tokens.revoke_token(page.session, page.credentials.token, clock=page.clock)
    page.clear_session = True
    return page.redirect("/", "success", "You are logged out.")


@router.post("/initiatives/new")
def create_initiative(page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    issue_id, area_id = _int(form, "issue_id"), _int(form, "area_id")
    back = (
        f"/initiatives/new?issue_id={issue_id}"
        if issue_id
        else f"/initiatives/new?area_id={area_id}"
    )
    page.keep("new-initiative", form)
    try:
        initiative = initiatives.create_initiative(
            page.session,
            actor=me,
            name=_text(form, "name", max_length=NAME_MAX),
            content=_text(form, "content", max_length=CONTENT_MAX),
            area_id=None if issue_id else area_id,
            policy_id=None if issue_id else _int(form, "policy_id"),
            issue_id=issue_id,
            clock=page.clock,
        )
    except DomainError as exc:
        page.session.rollback()
        return page.refuse(
            exc,
            back,
            lambda: pages.new_initiative_page(
                page, area_id=None if issue_id else area_id, issue_id=issue_id
            ),
        )
    return page.redirect(f"/initiatives/{initiative.id}", "success", "Your initiative is online.")


@router.post("/initiatives/{initiative_id}/support")
def support(initiative_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    back = f"/initiatives/{initiative_id}"
    again = _initiative_page(page, initiative_id)
    if _text(form, "action", required=False) == "withdraw":
        return page.act(
            lambda: participation.withdraw_support(
                page.session, actor=me, initiative_id=initiative_id, clock=page.clock
            ),
            back=back,
            success="You no longer support this initiative.",
            again=again,
        )
    return page.act(
        lambda: participation.support(
            page.session, actor=me, initiative_id=initiative_id, draft_id=_int(form, "draft_id")
        ),
        back=back,
        success="You support the current draft.",
        again=again,
    )


@router.post("/initiatives/{initiative_id}/drafts")
def new_draft(initiative_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    page.keep("draft", form)
    return page.act(
        lambda: initiatives.create_draft(
            page.session,
            actor=me,
            initiative_id=initiative_id,
            content=_text(form, "content", max_length=CONTENT_MAX),
            clock=page.clock,
        ),
        back=f"/initiatives/{initiative_id}",
        success="A new draft is current.",
        again=_initiative_page(page, initiative_id),
    )


@router.post("/initiatives/{initiative_id}/revoke")
def revoke(initiative_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    page.keep("revoke", form)
    return page.act(
        lambda: initiatives.revoke_initiative(
            page.session,
            actor=me,
            initiative_id=initiative_id,
            suggested_initiative_id=_int(form, "suggested_initiative_id"),
            clock=page.clock,
        ),
        back=f"/initiatives/{initiative_id}",
        success="The initiative is revoked.",
        again=_initiative_page(page, initiative_id),
    )


@router.post("/initiatives/{initiative_id}/suggestions")
def new_suggestion(initiative_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    page.keep("suggestion", form)
    degree = _int(form, "degree") or 1
    if degree not in (-2, -1, 1, 2):
        raise InvalidInput("degree must be one of -2, -1, 1, 2")
    return page.act(
        lambda: participation.create_suggestion(
            page.session,
            actor=me,
            initiative_id=initiative_id,
            name=_text(form, "name", max_length=NAME_MAX),
            content=_text(form, "content", max_length=CONTENT_MAX),
            degree=degree,
            replacement_content=_text(
                form, "replacement_content", required=False, max_length=CONTENT_MAX
            )
            or None,
            clock=page.clock,
        ),
        back=f"/initiatives/{initiative_id}",
        success="Your suggestion is online.",
        again=_initiative_page(page, initiative_id),
    )


@router.post("/suggestions/{suggestion_id}/opinion")
def rate(suggestion_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    suggestion = participation.get_suggestion(page.session, suggestion_id)
    back = f"/initiatives/{suggestion.initiative_id}#suggestion-{suggestion_id}"
    again = _initiative_page(page, suggestion.initiative_id)
    page.keep(f"opinion-{suggestion_id}", form)
    if _text(form, "action", required=False) == "remove":
        return page.act(
            lambda: participation.remove_opinion(
                page.session, actor=me, suggestion_id=suggestion_id, clock=page.clock
            ),
            back=back,
            success="Your opinion is removed.",
            again=again,
        )
    degree = _int(form, "degree")
    if degree not in (-2, -1, 1, 2):
        refusal = InvalidInput("choose must, should, should not or must not")
        return page.refuse(refusal, back, again)
    return page.act(
        lambda: participation.set_opinion(
            page.session,
            actor=me,
            suggestion_id=suggestion_id,
            degree=degree,
            fulfilled=form.get("fulfilled") in ("on", "true", "1"),
        ),
        back=back,
        success="Your opinion is saved.",
        again=again,
    )


@router.post("/suggestions/{suggestion_id}/accept")
def accept(suggestion_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    suggestion = participation.get_suggestion(page.session, suggestion_id)
    return page.act(
        lambda: participation.accept_suggestion(
            page.session, actor=me, suggestion_id=suggestion_id, clock=page.clock
        ),
        back=f"/initiatives/{suggestion.initiative_id}",
        success="The amendment is accepted: a new draft is current.",
        again=_initiative_page(page, suggestion.initiative_id),
    )


@router.post("/suggestions/{suggestion_id}/reject")
def reject(suggestion_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    suggestion = participation.get_suggestion(page.session, suggestion_id)
    page.keep(f"reject-{suggestion_id}", form)
    return page.act(
        lambda: participation.reject_suggestion(
            page.session,
            actor=me,
            suggestion_id=suggestion_id,
            reason=_text(form, "reason", max_length=REASON_MAX),
            clock=page.clock,
        ),
        back=f"/initiatives/{suggestion.initiative_id}",
        success="The suggestion is rejected.",
        again=_initiative_page(page, suggestion.initiative_id),
    )


@router.post("/issues/{issue_id}/interest")
def interest(issue_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("write")
    back = f"/issues/{issue_id}"
    again = _issue_page(page, issue_id)
    if _text(form, "action", required=False) == "remove":
        return page.act(
            lambda: participation.remove_interest(
                page.session, actor=me, issue_id=issue_id, clock=page.clock
            ),
            back=back,
            success="You no longer take part directly in this issue.",
            again=again,
        )
    return page.act(
        lambda: participation.declare_interest(page.session, actor=me, issue_id=issue_id),
        back=back,
        success="You take part directly in this issue.",
        again=again,
    )


@router.post("/issues/{issue_id}/ballot")
def ballot(issue_id: int, page: PageDep, form: FormDep) -> Response:
    me = page.require_member("vote")
    back = f"/issues/{issue_id}#ballot"
    again = _issue_page(page, issue_id)
    page.keep("ballot", form)
    if _text(form, "action", required=False) == "withdraw":
        return page.act(
            lambda: voting.withdraw_ballot(page.session, actor=me, issue_id=issue_id),
            back=back,
            success="Your ballot is withdrawn.",
            again=again,
        )
    votes: list[tuple[int, int]] = []
    for key in form:
        if key.startswith("grade_"):
            initiative_id = _whole(key.removeprefix("grade_"))
            grade = _int(form, key)
            if initiative_id is None or grade is None:
                raise InvalidInput("the ballot form is malformed")
            if grade:
                votes.append((initiative_id, grade))
    return page.act(
        lambda: voting.cast_ballot(
            page.session, actor=me, issue_id=issue_id, votes=votes, clock=page.clock
        ),
        back=back,
        success="Your ballot is saved. You can change it until voting ends.",
        again=again,
    )


@router.post("/delegations")
def delegation(page: PageDep, form: FormDep) -> Response:
    """The delegation box: ``keep`` (the default) changes nothing; ``block`` stores a null
    trustee; ``remove`` (or the ``revoke`` action) deletes the row at this scope through the
    same service as ``DELETE /delegations/{id}``; a member id delegates to that member. The
    flash message says where the vote goes afterwards."""
    me = page.require_member("delegate")
    scope = _text(form, "scope")
    if scope not in ("unit", "area", "issue"):
        raise InvalidInput("scope must be unit, area or issue")
    scope_id = _int(form, "scope_id") or 0
    back = safe_target(_text(form, "back", required=False) or "/")
    again = _box_page(page, back)
    page.keep(f"delegation-{scope}-{scope_id}", form)
    choice = _text(form, "trustee_id", required=False) or delegation_box.KEEP
    if _text(form, "action", required=False) == "revoke":
        choice = delegation_box.REMOVE

    def now() -> str:
        return delegation_box.status_now(page.session, me.id or 0, scope, scope_id)

    if choice == delegation_box.KEEP:
        try:
            return page.redirect(back, "success", f"Nothing changed. {now()}")
        except DomainError as exc:
            return page.redirect(back, "error", exc.detail)
    if choice == delegation_box.REMOVE:
        delegation_id = _int(form, "delegation_id")

        def remove() -> None:
            nonlocal delegation_id
            if delegation_id is None:
                here = delegations.delegation_here(
                    page.session, me.id or 0, **{f"{scope}_id": scope_id}
                )
                own = here.own
                if own is None:
                    raise InvalidInput(f"you have no delegation for this {scope} to remove")
                delegation_id = own.id or 0
            delegations.revoke_delegation(
                page.session, actor=me, delegation_id=delegation_id, clock=page.clock
            )

        return page.act(
            remove,
            back=back,
            again=again,
            success=lambda: f"Your {scope} delegation is removed. {now()}",
        )
    trustee_id = None if choice in (delegation_box.BLOCK, "none") else _int(form, "trustee_id")
    return page.act(
        lambda: delegations.set_delegation(
            page.session,
            actor=me,
            trustee_id=trustee_id,
            clock=page.clock,
            **{f"{scope}_id": scope_id},
        ),
        back=back,
        success=lambda: f"Your delegation is saved. {now()}",
        again=again,
    )


@router.post("/admin/lifecycle")
def lifecycle(page: PageDep, form: FormDep) -> Response:
    page.require_member("write", admin=True)
    page.session.commit()
    steps = run_lifecycle(page.request.app.state.database, clock=page.clock)
    summary = ", ".join(f"issue {s.issue_id}: {s.from_state} → {s.to_state}" for s in steps)
    back = safe_target(_text(form, "back", required=False) or "/")
    return page.redirect(back, "success", f"Lifecycle run: {summary or 'nothing was due'}.")
