"""Row locks that give the lifecycle one consistent moment per unit (PostgreSQL; SQLite already
serializes writers).

A lifecycle run takes its snapshots at one exported moment of the database, locking only each
issue's row in turn (``proposals.lifecycle.run_lifecycle``); it locks a unit's row
(``FOR NO KEY UPDATE``) and then each issue with a transition due before it reads the unit's
delegation graph again, so the snapshot and tally that decide a phase see one moment in time.
Every write that changes that graph — a delegation, a privilege, a member's activity — takes the
unit's row ``FOR SHARE`` first, and so waits for those transitions (or they wait for it). Lock
order is always unit, then issue.
"""

from sqlmodel import Session, col, select

from proposals.models import Privilege, Unit


def lock_unit(session: Session, unit_id: int, *, shared: bool = False) -> None:
    """``FOR SHARE``, or ``FOR NO KEY UPDATE``: the exclusive lock conflicts with every
    ``FOR SHARE`` of a writer, but not with the key share lock PostgreSQL's foreign key checks
    take on the unit row (an event or an issue naming the unit), which a writer may take while
    it holds an issue's row the lifecycle is about to lock: with ``FOR UPDATE`` the two
    deadlocked."""
    session.exec(
        select(Unit.id).where(Unit.id == unit_id).with_for_update(read=shared, key_share=not shared)
    ).first()


def lock_units_of_member(session: Session, member_id: int) -> None:
    """Share-lock every unit in which the member holds a privilege (their eligibility there)."""
    unit_ids = select(Privilege.unit_id).where(Privilege.member_id == member_id)
    session.exec(
        select(Unit.id)
        .where(col(Unit.id).in_(unit_ids))
        .order_by(col(Unit.id))
        .with_for_update(read=True)
    ).all()
