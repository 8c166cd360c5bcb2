"""Plain ``make_*`` helpers that write through the real services and commit (a savepoint)."""

import itertools
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.db import Database
from proposals.models import Area, Member, Policy, Unit, metadata
from proposals.security import PasswordHasher
from proposals.services import members, structure, tokens

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
_names = itertools.count(1)

POLICY_FIELDS: dict[str, Any] = {
    "name": "Standard",
    "min_admission_time": 0,
    "max_admission_time": 86400,
    "discussion_time": 86400,
    "verification_time": 86400,
    "voting_time": 86400,
    "issue_quorum_num": 1,
    "issue_quorum_den": 10,
    "initiative_quorum_num": 1,
    "initiative_quorum_den": 10,
}


def _system_admin(session: Session) -> Member:
    return Member(id=0, name="system", password_hash="", is_admin=True, created_at=NOW)


def make_member(
    db: Database, *, name: str | None = None, is_admin: bool = False, email: str | None = None
) -> Member:
    with db.session() as session:
        member = members.create_member(
            session,
            CHEAP_HASHER,
            actor=None,
            name=name or f"member{next(_names)}",
            password=PASSWORD,
            email=email,
            is_admin=is_admin,
            clock=lambda: NOW,
        )
        session.commit()
        return member


def make_token(db: Database, member: Member, *, scopes: list[str] | None = None) -> str:
    """A login token (every scope), or a personal token with ``scopes``."""
    with db.session() as session:
        if scopes is None:
            issued = tokens.issue_login_token(session, member, lifetime=86400, clock=lambda: NOW)
        else:
            issued = tokens.create_personal_token(
                session, member, name="test", scopes=scopes, expires_at=None, clock=lambda: NOW
            )
        session.commit()
        return issued.secret


def make_unit(db: Database, *, name: str = "Party", parent_id: int | None = None) -> Unit:
    with db.session() as session:
        unit = structure.create_unit(
            session, actor=_system_admin(session), name=name, parent_id=parent_id, clock=lambda: NOW
        )
        session.commit()
        return unit


def make_area(db: Database, unit: Unit, *, name: str = "Transport") -> Area:
    with db.session() as session:
        area = structure.create_area(
            session,
            actor=_system_admin(session),
            unit_id=unit.id or 0,
            name=name,
            clock=lambda: NOW,
        )
        session.commit()
        return area


POLICY_DEFAULTS: dict[str, Any] = {
    "description": "",
    "direct_majority_num": 1,
    "direct_majority_den": 2,
    "direct_majority_strict": True,
    "direct_majority_positive": 0,
    "direct_majority_non_negative": 0,
    "indirect_majority_num": 1,
    "indirect_majority_den": 2,
    "indirect_majority_strict": True,
    "indirect_majority_positive": 0,
    "indirect_majority_non_negative": 0,
    "no_reverse_beat_path": False,
    "no_multistage_majority": False,
    "defeat_strength": "tuple",
    "tie_breaking": "variant1",
}


def policy_fields(**overrides: Any) -> dict[str, Any]:
    """Every field ``structure.create_policy`` needs: defaults of DESIGN.md §1 plus overrides."""
    return {**POLICY_DEFAULTS, **POLICY_FIELDS, **overrides}


def make_policy(db: Database, **fields: Any) -> Policy:
    with db.session() as session:
        policy = structure.create_policy(
            session, actor=_system_admin(session), fields=policy_fields(**fields), clock=lambda: NOW
        )
        session.commit()
        return policy


def grant(
    db: Database, unit: Unit, member: Member, *, voting: bool = True, initiative: bool = True
) -> None:
    with db.session() as session:
        structure.set_privilege(
            session,
            actor=_system_admin(session),
            unit_id=unit.id or 0,
            member_id=member.id or 0,
            voting_right=voting,
            initiative_right=initiative,
        )
        session.commit()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def row_counts(db: Database) -> dict[str, int]:
    """The number of rows in every table, to prove a failed request wrote nothing."""
    with db.session() as session:
        return {
            name: int(session.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())
            for name, table in metadata.tables.items()
        }
