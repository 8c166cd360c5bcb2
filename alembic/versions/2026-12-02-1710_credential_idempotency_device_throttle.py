"""Issue 9: idempotency records belong to a token; device-bound login failures; instance secret.

The idempotency table is a 24-hour cache that may hold token secrets in clear (the fault this
revision repairs), so it is dropped and created anew, empty, rather than converted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _idempotency_table(owner: str, check: str, check_name: str) -> None:
    target = "api_token" if owner == "api_token_id" else "member"
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(owner, sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(check, name=op.f(f"ck_idempotency_record_{check_name}")),
        sa.ForeignKeyConstraint(
            [owner], [f"{target}.id"], name=op.f(f"fk_idempotency_record_{owner}_{target}")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint(
            owner,
            "method",
            "path",
            "key",
            name=op.f(f"uq_idempotency_record_{owner}_method_path_key"),
        ),
    )


def upgrade() -> None:
    op.drop_table("idempotency_record")
    _idempotency_table(
        "api_token_id",
        "(status_code >= 200 AND status_code < 300) OR status_code = 409",
        "success_or_conflict",
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_login_failure_device_failed_at", ["device", "failed_at"], unique=False
        )
    op.create_table(
        "instance_secret",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_instance_secret")),
    )


def downgrade() -> None:
    op.drop_table("instance_secret")
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failure_device_failed_at")
        batch_op.drop_column("device")
    op.drop_table("idempotency_record")
    _idempotency_table("member_id", "status_code >= 200 AND status_code < 300", "success_only")
