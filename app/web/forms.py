"""The web client's forms: each calls the same ``proposals`` service as the API endpoint, after
the same authorisation (``page.require_member`` names the endpoint's scope, checked by
``app.deps.authorize``)."""

import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

from app.login import DEVICE_COOKIE, DEVICE_COOKIE_LIFETIME, login_member, new_device_cookie
from app.schemas.auth import LoginForm
from app.schemas.deliberation import (
    BallotBody,
    DelegationSet,
    DraftCreate,
    InitiativeCreate,
    OpinionSet,
    RejectBody,
    RevokeBody,
    SuggestionCreate,
    SupportBody,
)
from app.schemas.messages import describe
from app.web import delegation_box, pages
from app.web import session as cookies
from app.web.context import FormDep, PageDep, WebRoute, safe_target
from proposals.errors import DomainError, InvalidInput
from proposals.lifecycle import run_lifecycle
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


M = TypeVar("M", bound=BaseModel)


def _parse(schema: type[M], values: dict[str, Any]) -> M:
    """The form's values checked by its API endpoint's schema (``app.schemas``), so the web and
    the API accept the same input and refuse it with the same words
    (:func:`app.schemas.messages.describe` of the same errors)."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        raise InvalidInput(describe(exc.errors())) from None


def _raw(form: FormDep, name: str) -> str | None:
    """A text field exactly as sent (None: not sent)."""
    value = form.get(name)
    return value if isinstance(value, str) else None


def _number(form: FormDep, name: str) -> int | str | None:
    """A number field for a schema: a whole number as a number (a form sends only text), an
    empty field as None, anything else as sent, for the schema to refuse as the API does."""
    value = _raw(form, name)
    if value is None or not value.strip():
        return None
    number = _whole(value)
    return value if number is None else number


@router.post("/login")
def login(page: PageDep, form: FormDep) -> Response:
    target = safe_target(_text(form, "next", required=False) or "/")
    try:
        # exactly as typed, never stripped, and checked by the API's own form
        typed = {"username": _raw(form, "username") or "", "password": _raw(form, "password") or ""}
        body = _parse(LoginForm, typed)
        member = login_member(
            page.request,
            page.session,
            name=body.username,
            password=body.password,
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
    values: dict[str, Any] = {"name": _raw(form, "name"), "content": _raw(form, "content")}
    if issue_id:
        values["issue_id"] = issue_id
    else:
        values.update(area_id=area_id, policy_id=_number(form, "policy_id"))
    try:
        body = _parse(InitiativeCreate, values)
        initiative = initiatives.create_initiative(
            page.session,
            actor=me,
            name=body.name,
            content=body.content,
            area_id=body.area_id,
            policy_id=body.policy_id,
            issue_id=body.issue_id,
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
            page.session,
            actor=me,
            initiative_id=initiative_id,
            draft_id=_parse(SupportBody, {"draft_id": _number(form, "draft_id")}).draft_id,
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
            content=_parse(DraftCreate, {"content": _raw(form, "content")}).content,
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
            suggested_initiative_id=_parse(
                RevokeBody, {"suggested_initiative_id": _number(form, "suggested_initiative_id")}
            ).suggested_initiative_id,
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
    values: dict[str, Any] = {
        "name": _raw(form, "name"),
        "content": _raw(form, "content"),
        # an empty box is no replacement text (the API's null)
        "replacement_content": _raw(form, "replacement_content") or None,
    }
    if (degree := _number(form, "degree")) is not None:
        values["degree"] = degree

    def create() -> None:
        body = _parse(SuggestionCreate, values)
        participation.create_suggestion(
            page.session,
            actor=me,
            initiative_id=initiative_id,
            name=body.name,
            content=body.content,
            degree=body.degree,
            replacement_content=body.replacement_content,
            clock=page.clock,
        )

    return page.act(
        create,
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
    degree = _number(form, "degree")
    if degree is None:  # no radio button chosen (the one refusal in the form's own words)
        refusal = InvalidInput("choose must, should, should not or must not")
        return page.refuse(refusal, back, again)

    def rate() -> None:
        body = _parse(
            OpinionSet,
            {"degree": degree, "fulfilled": form.get("fulfilled") in ("on", "true", "1")},
        )
        participation.set_opinion(
            page.session,
            actor=me,
            suggestion_id=suggestion_id,
            degree=body.degree,
            fulfilled=body.fulfilled,
        )

    return page.act(
        rate,
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
            reason=_parse(RejectBody, {"reason": _raw(form, "reason")}).reason,
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
    grades: list[dict[str, Any]] = []
    for key in form:
        if key.startswith("grade_"):
            initiative_id = _whole(key.removeprefix("grade_"))
            grade = _number(form, key)
            if initiative_id is None or grade is None:
                raise InvalidInput("the ballot form is malformed")
            if grade != 0:  # abstaining is no grade at all, as in the API's ballot
                grades.append({"initiative_id": initiative_id, "grade": grade})

    def cast() -> None:
        body = _parse(BallotBody, {"votes": grades})
        votes = [(v.initiative_id, v.grade) for v in body.votes]
        voting.cast_ballot(page.session, actor=me, issue_id=issue_id, votes=votes, clock=page.clock)

    return page.act(
        cast,
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
    trustee = None if choice in (delegation_box.BLOCK, "none") else _number(form, "trustee_id")

    def delegate() -> None:
        body = _parse(DelegationSet, {f"{scope}_id": scope_id, "trustee_id": trustee})
        delegations.set_delegation(
            page.session,
            actor=me,
            trustee_id=body.trustee_id,
            unit_id=body.unit_id,
            area_id=body.area_id,
            issue_id=body.issue_id,
            clock=page.clock,
        )

    return page.act(
        delegate,
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
