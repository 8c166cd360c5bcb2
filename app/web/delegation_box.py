"""The delegation box of the unit, area and issue pages: where the member's vote goes now at
that scope and why (first hop only, from :func:`proposals.services.delegations.delegation_here`),
and the choices of its form, whose default changes nothing."""

from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session

from proposals.models import Delegation
from proposals.services import delegations, members

KEEP = "keep"
BLOCK = "block"
REMOVE = "remove"


@dataclass(frozen=True)
class Box:
    scope: str
    scope_id: int
    own: Delegation | None
    status: str  # where the vote goes now and why: markup, the trustee linked
    block_label: str | None  # None at unit scope (a unit delegation needs a trustee)
    remove_label: str | None  # None without a row at this scope


def _source(row: Delegation, scope: str) -> str:
    return (
        f"your delegation for this {scope}"
        if row.scope == scope
        else f"your {row.scope} delegation"
    )


def where_it_goes(
    row: Delegation | None, scope: str, names: dict[int, str], *, link: bool = False
) -> str:
    """The sentence for the delegation that applies at ``scope`` (``row``; None: none); with
    ``link`` as markup naming the trustee by a link to their page."""
    if row is None:
        return "You have no delegation: your vote stays with you."
    if row.trustee_id is None:
        if row.scope == scope:
            return "You block delegation here: your vote stays with you."
        return f"You block delegation for the whole {row.scope}: your vote stays with you."
    name = names.get(row.trustee_id, f"member {row.trustee_id}")
    if link:
        named = Markup('<a href="/members/{}">{}</a>').format(row.trustee_id, name)
        return Markup("Your vote goes to {} — {}.").format(named, _source(row, scope))
    return f"Your vote goes to {name} — {_source(row, scope)}."


def lower_first(sentence: str) -> str:
    return sentence[0].lower() + sentence[1:]


def box(session: Session, member_id: int, scope: str, scope_id: int) -> Box:
    here = delegations.delegation_here(session, member_id, **{f"{scope}_id": scope_id})
    rows = [r for r in (here.applies, here.inherited, here.own) if r is not None]
    names = members.names_of(session, [r.trustee_id for r in rows if r.trustee_id is not None])
    block_label = None
    if scope != "unit":
        inherited = here.inherited
        if inherited is not None and inherited.trustee_id is not None:
            even = f", even though I delegate for the {inherited.scope}"
        elif inherited is not None:
            even = ""
        else:
            even = ", even if I delegate for a wider scope later"
        block_label = f"Block: don't pass my vote on in this {scope}{even}"
    remove_label = None
    if here.own is not None:
        then = lower_first(where_it_goes(here.inherited, scope, names)).rstrip(".")
        remove_label = f"Remove my delegation for this {scope}: then {then}"
    status = Markup(where_it_goes(here.applies, scope, names, link=True))
    if here.own is not None and here.own.declined_at is not None and here.own.trustee_id:
        trustee = here.own.trustee_id
        status += Markup(
            ' <a href="/members/{}">{}</a> declined your delegation for this {}: it counts as none.'
        ).format(trustee, names.get(trustee, f"member {trustee}"), scope)
    return Box(
        scope=scope,
        scope_id=scope_id,
        own=here.own,
        status=status,
        block_label=block_label,
        remove_label=remove_label,
    )


def status_now(session: Session, member_id: int, scope: str, scope_id: int) -> str:
    """The status sentence after a change (for the flash message)."""
    here = delegations.delegation_here(session, member_id, **{f"{scope}_id": scope_id})
    row = here.applies
    ids = [row.trustee_id] if row is not None and row.trustee_id is not None else []
    return where_it_goes(row, scope, members.names_of(session, ids))
