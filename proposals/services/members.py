"""Members: creation, profile, admin flags, password login (DESIGN.md §1)."""

from collections.abc import Iterable

from sqlalchemy import func
from sqlmodel import Session, col, select

from proposals.clock import Clock, utcnow
from proposals.errors import Conflict, Forbidden, InvalidInput, NotFound
from proposals.models import ApiToken, Member
from proposals.models.member import EMAIL_MAX, NAME_MAX
from proposals.security import PasswordHasher, check_password_rules
from proposals.services import search
from proposals.services.locks import lock_units_of_member
from proposals.services.paging import Page, paginate
from proposals.services.record_inputs import keep_eligibility
from proposals.services.text import clean_text
from proposals.services.tokens import revoke_member_tokens


def require_admin(actor: Member) -> None:
    """DESIGN.md §1: only admins manage structure, members and privileges."""
    if not actor.is_admin:
        raise Forbidden("only an admin may do this")


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


def list_members(session: Session, *, after: int | None, limit: int) -> Page[Member]:
    return paginate(session, select(Member), Member.id, after=after, limit=limit)


def _check_name(name: str) -> str:
    return clean_text(name, "name", max_length=NAME_MAX)


def _check_email(email: str | None) -> str | None:
    if email is None or email == "":
        return None
    if len(email) > EMAIL_MAX or "@" not in email:
        raise InvalidInput("email is not a valid address")
    return email


def create_member(
    session: Session,
    hasher: PasswordHasher,
    *,
    actor: Member | None,
    name: str,
    password: str,
    email: str | None = None,
    is_admin: bool = False,
    clock: Clock = utcnow,
) -> Member:
    """Create a member; ``actor`` None is the operator's command line, else it must be an admin."""
    if actor is not None:
        require_admin(actor)
    name = _check_name(name)
    check_password_rules(password)
    email = _check_email(email)
    taken = session.exec(select(func.count()).where(Member.name == name)).one()
    if taken:
        raise Conflict(f"the name {name!r} is taken")
    member = Member(
        name=name,
        password_hash=hasher.hash(password),
        email=email,
        is_admin=is_admin,
        created_at=clock(),
    )
    session.add(member)
    session.flush()
    search.index_member(session, member)
    return member


def update_profile(
    session: Session,
    hasher: PasswordHasher,
    member: Member,
    *,
    statement: str | None = None,
    email: str | None = None,
    email_given: bool = False,
    password: str | None = None,
    current_password: str | None = None,
    keep: ApiToken | None = None,
    clock: Clock = utcnow,
) -> Member:
    """A member edits their own statement, email or password.

    A new password needs the current one (missing: 422; wrong: 403) and ends every other
    session and token of the member — API login tokens, web sessions and personal tokens — but
    ``keep``, the one making the request: apps must be authorised again."""
    if password is not None:
        if current_password is None:
            raise InvalidInput("changing the password needs current_password")
        if not hasher.verify(member.password_hash, current_password):
            raise Forbidden("current_password is wrong")
        check_password_rules(password)
        member.password_hash = hasher.hash(password)
        revoke_member_tokens(session, member, keep=keep, clock=clock)
    if statement is not None:
        member.statement = statement
        search.index_member(session, member)
    if email_given:
        member.email = _check_email(email)
    session.add(member)
    session.flush()
    return member


def set_member_flags(
    session: Session,
    *,
    actor: Member,
    member_id: int,
    active: bool | None = None,
    is_admin: bool | None = None,
    password: str | None = None,
    hasher: PasswordHasher | None = None,
    clock: Clock = utcnow,
) -> Member:
    """An admin (de)activates a member, grants/removes admin or sets a new password; never
    deactivates or demotes themself, and changes their own password only as a member (with the
    current one). A new password and a deactivation end every session and token of the member:
    tokens issued before a deactivation never work again, even after a reactivation."""
    require_admin(actor)
    member = get_member(session, member_id)
    if member.id == actor.id and (active is False or is_admin is False):
        raise Conflict("an admin cannot deactivate or demote themself")
    if member.id == actor.id and password is not None:
        raise Conflict(
            "an admin changes their own password with PATCH /members/me (it needs the current one)"
        )
    if password is not None:
        assert hasher is not None, "setting a password needs the hasher"
        check_password_rules(password)
        member.password_hash = hasher.hash(password)
        revoke_member_tokens(session, member, clock=clock)
    if active is not None and active != member.active:
        lock_units_of_member(session, member_id)  # eligibility changes in those units
        keep_eligibility(session, member_id, None)
        member.active = active
        if not active:
            revoke_member_tokens(session, member, clock=clock)
    if is_admin is not None:
        member.is_admin = is_admin
    session.add(member)
    session.flush()
    return member


def check_login(
    session: Session, hasher: PasswordHasher, name: str, password: str
) -> Member | None:
    """The active member with this name and password, or None (never says which part was wrong)."""
    member = session.exec(select(Member).where(Member.name == name)).first()
    if member is None:
        hasher.dummy_verify()
        return None
    if not hasher.verify(member.password_hash, password) or not member.active:
        return None
    return member


NAMES_PER_PASTE = 1000


def members_named(session: Session, lines: Iterable[str]) -> list[Member]:
    """The members a pasted list of names means, in order, each once: a line that is exactly a
    member's name is that member (a name may hold a comma); any other line is split at commas;
    blanks are skipped. Unknown names are refused all together, by name (422), so a caller
    writes nothing for a list with one typo."""
    wanted = [line.strip() for line in lines if line.strip()]
    if len(wanted) > NAMES_PER_PASTE:
        raise InvalidInput(f"paste at most {NAMES_PER_PASTE} names at a time")
    found = _by_name(session, wanted)
    names: list[str] = []
    for line in wanted:
        if line in found:
            names.append(line)
        else:
            names.extend(part.strip() for part in line.split(",") if part.strip())
    if not names:
        raise InvalidInput("names must not be empty")
    if len(names) > NAMES_PER_PASTE:
        raise InvalidInput(f"paste at most {NAMES_PER_PASTE} names at a time")
    found.update(_by_name(session, [n for n in names if n not in found]))
    unknown = list(dict.fromkeys(n for n in names if n not in found))
    if unknown:
        listed = ", ".join(repr(n) for n in unknown)
        raise InvalidInput(f"no member is named {listed}: nothing was changed")
    return list({found[n].id: found[n] for n in names}.values())


def _by_name(session: Session, names: list[str]) -> dict[str, Member]:
    out: dict[str, Member] = {}
    for start in range(0, len(names), 500):
        chunk = [n for n in names[start : start + 500] if len(n) <= NAME_MAX]
        if chunk:
            out.update(
                (m.name, m) for m in session.exec(select(Member).where(col(Member.name).in_(chunk)))
            )
    return out


def names_of(session: Session, member_ids: Iterable[int | None]) -> dict[int, str]:
    """Member names by id, in one query (for pages listing many members)."""
    wanted = {m for m in member_ids if m is not None}
    if not wanted:
        return {}
    rows = session.exec(select(Member.id, Member.name).where(col(Member.id).in_(wanted)))
    return {member_id or 0: name for member_id, name in rows}
