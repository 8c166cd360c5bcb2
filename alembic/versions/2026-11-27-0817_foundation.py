"""Foundation: members, tokens, units, privileges, areas, policies, events, idempotency.

Revision ID: 0001
Revises:
Create Date: 2026-11-27 08:17:13.203180
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_member_name_not_empty")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("name", name=op.f("uq_member_name")),
    )
    op.create_table(
        "policy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("min_admission_time", sa.BigInteger(), nullable=False),
        sa.Column("max_admission_time", sa.BigInteger(), nullable=False),
        sa.Column("discussion_time", sa.BigInteger(), nullable=False),
        sa.Column("verification_time", sa.BigInteger(), nullable=False),
        sa.Column("voting_time", sa.BigInteger(), nullable=False),
        sa.Column("issue_quorum_num", sa.Integer(), nullable=False),
        sa.Column("issue_quorum_den", sa.Integer(), nullable=False),
        sa.Column("initiative_quorum_num", sa.Integer(), nullable=False),
        sa.Column("initiative_quorum_den", sa.Integer(), nullable=False),
        sa.Column("direct_majority_num", sa.Integer(), nullable=False),
        sa.Column("direct_majority_den", sa.Integer(), nullable=False),
        sa.Column("direct_majority_strict", sa.Boolean(), nullable=False),
        sa.Column("direct_majority_positive", sa.Integer(), nullable=False),
        sa.Column("direct_majority_non_negative", sa.Integer(), nullable=False),
        sa.Column("indirect_majority_num", sa.Integer(), nullable=False),
        sa.Column("indirect_majority_den", sa.Integer(), nullable=False),
        sa.Column("indirect_majority_strict", sa.Boolean(), nullable=False),
        sa.Column("indirect_majority_positive", sa.Integer(), nullable=False),
        sa.Column("indirect_majority_non_negative", sa.Integer(), nullable=False),
        sa.Column("no_reverse_beat_path", sa.Boolean(), nullable=False),
        sa.Column("no_multistage_majority", sa.Boolean(), nullable=False),
        sa.Column("defeat_strength", sa.String(length=16), nullable=False),
        sa.Column("tie_breaking", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "NOT no_reverse_beat_path OR defeat_strength = 'tuple'",
            name=op.f("ck_policy_reverse_beat_path_needs_tuple"),
        ),
        sa.CheckConstraint(
            "defeat_strength IN ('tuple', 'simple')", name=op.f("ck_policy_defeat_strength_known")
        ),
        sa.CheckConstraint(
            "tie_breaking IN ('variant1', 'simple')", name=op.f("ck_policy_tie_breaking_known")
        ),
        sa.CheckConstraint(
            "direct_majority_positive >= 0 AND direct_majority_non_negative >= 0 AND indirect_majority_positive >= 0 AND indirect_majority_non_negative >= 0",
            name=op.f("ck_policy_majority_minimums_valid"),
        ),
        sa.CheckConstraint(
            "issue_quorum_num >= 0 AND issue_quorum_den >= 1 AND initiative_quorum_num >= 0 AND initiative_quorum_den >= 1 AND direct_majority_num >= 0 AND direct_majority_den >= 1 AND indirect_majority_num >= 0 AND indirect_majority_den >= 1",
            name=op.f("ck_policy_fractions_valid"),
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_policy_name_not_empty")),
        sa.CheckConstraint(
            "min_admission_time >= 0 AND min_admission_time <= max_admission_time AND discussion_time >= 0 AND verification_time >= 0 AND voting_time >= 0",
            name=op.f("ck_policy_times_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy")),
    )
    op.create_table(
        "unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_unit_name_not_empty")),
        sa.CheckConstraint(
            "parent_id IS NULL OR parent_id <> id", name=op.f("ck_unit_not_own_parent")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["unit.id"], name=op.f("fk_unit_parent_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit")),
    )
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("scope_read", sa.Boolean(), nullable=False),
        sa.Column("scope_write", sa.Boolean(), nullable=False),
        sa.Column("scope_delegate", sa.Boolean(), nullable=False),
        sa.Column("scope_vote", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind = 'personal' OR expires_at IS NOT NULL", name=op.f("ck_api_token_login_expires")
        ),
        sa.CheckConstraint("kind IN ('login', 'personal')", name=op.f("ck_api_token_kind_known")),
        sa.CheckConstraint(
            "scope_read OR scope_write OR scope_delegate OR scope_vote",
            name=op.f("ck_api_token_some_scope"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_api_token_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_member_id"), ["member_id"], unique=False)

    op.create_table(
        "area",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_area_name_not_empty")),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_area_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area")),
    )
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status_code >= 200 AND status_code < 300",
            name=op.f("ck_idempotency_record_success_only"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_idempotency_record_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint(
            "member_id",
            "method",
            "path",
            "key",
            name=op.f("uq_idempotency_record_member_id_method_path_key"),
        ),
    )
    op.create_table(
        "privilege",
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("voting_right", sa.Boolean(), nullable=False),
        sa.Column("initiative_right", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "voting_right OR initiative_right", name=op.f("ck_privilege_some_right")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_privilege_member_id_member")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_privilege_unit_id_unit")),
        sa.PrimaryKeyConstraint("unit_id", "member_id", name=op.f("pk_privilege")),
    )
    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_privilege_member_id"), ["member_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("initiative_id", sa.Integer(), nullable=True),
        sa.Column("draft_id", sa.Integer(), nullable=True),
        sa.Column("suggestion_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "type IN ('issue_state_changed', 'initiative_created', 'initiative_revoked', 'draft_created', 'suggestion_created', 'suggestion_accepted', 'suggestion_rejected', 'delegation_changed')",
            name=op.f("ck_event_type_known"),
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_event_area_id_area")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_event_member_id_member")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_event_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_unit_id"), ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_unit_id"))
        batch_op.drop_index(batch_op.f("ix_event_type"))
        batch_op.drop_index(batch_op.f("ix_event_issue_id"))
        batch_op.drop_index(batch_op.f("ix_event_area_id"))

    op.drop_table("event")
    with op.batch_alter_table("privilege", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_privilege_member_id"))

    op.drop_table("privilege")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_area_unit_id"))

    op.drop_table("area")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_member_id"))

    op.drop_table("api_token")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_parent_id"))

    op.drop_table("unit")
    op.drop_table("policy")
    op.drop_table("member")
