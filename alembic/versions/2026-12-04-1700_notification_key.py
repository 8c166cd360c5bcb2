"""On PostgreSQL, a notification's primary key is ``(member_id, id)`` (issue 11, fan-out).

Every read of the notification table is one member's (the inbox, the unread count, marking
read, the e-mail watermark), so the inbox index ``(member_id, id)`` serves them all; as the
primary key it replaces both the key on ``id`` and that index, one B-tree fewer for each of
the 100,000 rows a fan-out writes at once. ``id`` stays unique by its sequence alone (nothing
writes one by hand). SQLite keeps ``id`` as its rowid key (free: the table is that B-tree) and
the separate index, since only a single ``INTEGER PRIMARY KEY`` is assigned automatically there.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_notification_member_id_id", table_name="notification")
    op.drop_constraint("pk_notification", "notification", type_="primary")
    op.create_primary_key("pk_notification", "notification", ["member_id", "id"])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_constraint("pk_notification", "notification", type_="primary")
    op.create_primary_key("pk_notification", "notification", ["id"])
    op.create_index("ix_notification_member_id_id", "notification", ["member_id", "id"])
