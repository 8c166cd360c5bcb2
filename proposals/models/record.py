"""The canonical record of a finished issue's close and its hash chain (DESIGN.md §4, issue 12).

The record's body (RFC 8785 JSON, see :mod:`proposals.services.records`) is stored in chunks of at
most :data:`CHUNK_SIZE` bytes, so a record of a million members is written and served without
ever being held in memory whole. Records are immutable: on PostgreSQL triggers refuse changing
or deleting them (migration 0011).
"""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from proposals.models.base import timestamp

CHUNK_SIZE = 1 << 20


class IssueRecordDue(SQLModel, table=True):
    """Set by the close of the vote: this issue's record is still to be written."""

    __tablename__ = "issue_record_due"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)


class IssueRecord(SQLModel, table=True):
    """One link of the chain: ``digest`` = SHA-256 of the body, which names ``previous_digest``
    (the digest of the record of sequence number ``seq - 1``; null for the first)."""

    __tablename__ = "issue_record"
    __table_args__ = (sa.CheckConstraint("seq >= 1", name="seq_positive"),)

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    seq: int = Field(sa_column=sa.Column(sa.Integer, nullable=False, unique=True))
    digest: str = Field(sa_column=sa.Column(sa.String(64), nullable=False, unique=True))
    previous_digest: str | None = Field(default=None, sa_type=sa.String(64))
    size: int = Field(sa_type=sa.BigInteger)
    written_at: datetime = Field(sa_column=timestamp())


class IssueRecordChunk(SQLModel, table=True):
    """A piece of a record's body; the body is the chunks concatenated by ``position``."""

    __tablename__ = "issue_record_chunk"

    issue_id: int = Field(foreign_key="issue_record.issue_id", primary_key=True)
    position: int = Field(primary_key=True)
    data: bytes = Field(sa_type=sa.LargeBinary)


class DelegationPreimage(SQLModel, table=True):
    """While an issue's record is due: a truster's unit or area delegation of the issue's unit
    and area as it stood at the close, kept by the first change after it
    (:mod:`proposals.services.record_inputs`). ``stood`` false: no standing row (none, or a
    declined one); true with a null trustee: a block."""

    __tablename__ = "record_delegation_preimage"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    scope: str = Field(sa_type=sa.String(8), primary_key=True)
    truster_id: int = Field(foreign_key="member.id", primary_key=True)
    stood: bool
    trustee_id: int | None = Field(default=None)


class EligibilityPreimage(SQLModel, table=True):
    """While an issue's record is due: whether a member was eligible in its unit at the close,
    kept by the first change after it (:mod:`proposals.services.record_inputs`)."""

    __tablename__ = "record_eligibility_preimage"

    issue_id: int = Field(foreign_key="issue.id", primary_key=True)
    member_id: int = Field(foreign_key="member.id", primary_key=True)
    eligible: bool
