"""Secrets of the installation, generated once and kept in the database (issue 9)."""

import secrets

from sqlmodel import Session, select

from proposals.clock import Clock, utcnow
from proposals.models import InstanceSecret
from proposals.services.upsert import upsert


def instance_secret(session: Session, name: str, *, clock: Clock = utcnow) -> str:
    """The installation's secret ``name``, created at its first use.

    Race-safe: every caller inserts a new random value with ``ON CONFLICT DO NOTHING`` and then
    reads the row, so several workers starting at once all end up with the one value that won
    (PostgreSQL makes the later inserts wait for the first's commit; SQLite serializes writers).
    The caller commits."""
    upsert(
        session,
        InstanceSecret,
        {"name": name, "value": secrets.token_urlsafe(32), "created_at": clock()},
        keys=["name"],
    )
    return session.exec(select(InstanceSecret.value).where(InstanceSecret.name == name)).one()
