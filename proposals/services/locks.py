"""Row locks that give the lifecycle one consistent moment per unit (PostgreSQL; SQLite already
serializes writers).

A lifecycle run locks a unit's row (``FOR UPDATE``) and then each open issue of the unit before
it reads the unit's delegation graph, so its snapshots and tallies see one moment in time. Every
write that changes that graph — a delegation, a privilege, a member's activity — takes the unit's
row ``FOR SHARE`` first, and so waits for the run (or the run waits for it). Lock order is always
unit, then issue, so the two never deadlock.
"""

from sqlmodel import Session, col, select

from proposals.models import Privilege, Unit


def lock_unit(session: Session, unit_id: int, *, shared: bool = False) -> None:
    session.exec(select(Unit.id).where(Unit.id == unit_id).with_for_update(read=shared)).first()


def lock_units_of_member(session: Session, member_id: int) -> None:
    """Share-lock every unit in which the member holds a privilege (their eligibility there)."""
    unit_ids = select(Privilege.unit_id).where(Privilege.member_id == member_id)
    session.exec(
        select(Unit.id)
        .where(col(Unit.id).in_(unit_ids))
        .order_by(col(Unit.id))
        .with_for_update(read=True)
    ).all()
