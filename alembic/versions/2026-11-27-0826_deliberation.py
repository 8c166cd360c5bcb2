"""Deliberation: issues, initiatives, drafts, suggestions, support, delegations, ballots, results.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 08:26:48.958574
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("policy_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("half_frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fully_frozen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("snapshot_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("min_admission_time", sa.BigInteger(), nullable=False),
        sa.Column("max_admission_time", sa.BigInteger(), nullable=False),
        sa.Column("discussion_time", sa.BigInteger(), nullable=False),
        sa.Column("verification_time", sa.BigInteger(), nullable=False),
        sa.Column("voting_time", sa.BigInteger(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.Column("voter_count", sa.Integer(), nullable=True),
        sa.Column("status_quo_schulze_rank", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(closed_at IS NULL) = (state IN ('admission', 'discussion', 'verification', 'voting'))",
            name=op.f("ck_issue_closed_iff_final"),
        ),
        sa.CheckConstraint(
            "state IN ('admission', 'discussion', 'verification', 'voting', 'finished_with_winner', 'finished_without_winner', 'canceled_issue_not_accepted', 'canceled_no_initiative_admitted', 'canceled_revoked_before_accepted', 'canceled_after_revocation_during_discussion', 'canceled_after_revocation_during_verification', 'canceled_by_admin')",
            name=op.f("ck_issue_state_known"),
        ),
        sa.CheckConstraint(
            "min_admission_time >= 0 AND min_admission_time <= max_admission_time AND discussion_time >= 0 AND verification_time >= 0 AND voting_time >= 0",
            name=op.f("ck_issue_times_valid"),
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_issue_area_id_area")),
        sa.ForeignKeyConstraint(
            ["policy_id"], ["policy.id"], name=op.f("fk_issue_policy_id_policy")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_issue_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue")),
    )
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_issue_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_issue_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "ballot",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], name=op.f("fk_ballot_issue_id_issue")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_ballot_member_id_member")
        ),
        sa.PrimaryKeyConstraint("issue_id", "member_id", name=op.f("pk_ballot")),
    )
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ballot_member_id"), ["member_id"], unique=False)

    op.create_table(
        "delegating_voter",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("trustee_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.CheckConstraint(
            "scope IN ('unit', 'area', 'issue')", name=op.f("ck_delegating_voter_scope_known")
        ),
        sa.CheckConstraint("weight >= 1", name=op.f("ck_delegating_voter_weight_positive")),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_delegating_voter_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_delegating_voter_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["trustee_id"], ["member.id"], name=op.f("fk_delegating_voter_trustee_id_member")
        ),
        sa.PrimaryKeyConstraint("issue_id", "member_id", name=op.f("pk_delegating_voter")),
    )
    op.create_table(
        "delegation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("truster_id", sa.Integer(), nullable=False),
        sa.Column("trustee_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("issue_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(scope = 'unit' AND unit_id IS NOT NULL AND area_id IS NULL AND issue_id IS NULL) OR (scope = 'area' AND unit_id IS NULL AND area_id IS NOT NULL AND issue_id IS NULL) OR (scope = 'issue' AND unit_id IS NULL AND area_id IS NULL AND issue_id IS NOT NULL)",
            name=op.f("ck_delegation_one_scope_id"),
        ),
        sa.CheckConstraint(
            "scope <> 'unit' OR trustee_id IS NOT NULL", name=op.f("ck_delegation_unit_has_trustee")
        ),
        sa.CheckConstraint(
            "scope IN ('unit', 'area', 'issue')", name=op.f("ck_delegation_scope_known")
        ),
        sa.CheckConstraint(
            "trustee_id IS NULL OR trustee_id <> truster_id", name=op.f("ck_delegation_not_self")
        ),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_delegation_area_id_area")),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_delegation_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["trustee_id"], ["member.id"], name=op.f("fk_delegation_trustee_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["truster_id"], ["member.id"], name=op.f("fk_delegation_truster_id_member")
        ),
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_delegation_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delegation")),
        sa.UniqueConstraint("truster_id", "area_id", name="uq_delegation_truster_area"),
        sa.UniqueConstraint("truster_id", "issue_id", name="uq_delegation_truster_issue"),
        sa.UniqueConstraint("truster_id", "unit_id", name="uq_delegation_truster_unit"),
    )
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delegation_area_id"), ["area_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delegation_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delegation_trustee_id"), ["trustee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_delegation_unit_id"), ["unit_id"], unique=False)

    op.create_table(
        "direct_voter",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.CheckConstraint("weight >= 1", name=op.f("ck_direct_voter_weight_positive")),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_direct_voter_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_direct_voter_member_id_member")
        ),
        sa.PrimaryKeyConstraint("issue_id", "member_id", name=op.f("pk_direct_voter")),
    )
    op.create_table(
        "initiative",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_member_id", sa.Integer(), nullable=True),
        sa.Column("suggested_initiative_id", sa.Integer(), nullable=True),
        sa.Column("supporter_count", sa.Integer(), nullable=False),
        sa.Column("informed_supporter_count", sa.Integer(), nullable=False),
        sa.Column("satisfied_supporter_count", sa.Integer(), nullable=False),
        sa.Column("satisfied_informed_supporter_count", sa.Integer(), nullable=False),
        sa.Column("admitted", sa.Boolean(), nullable=True),
        sa.Column("first_preference_votes", sa.Integer(), nullable=True),
        sa.Column("positive_votes", sa.Integer(), nullable=True),
        sa.Column("negative_votes", sa.Integer(), nullable=True),
        sa.Column("direct_majority", sa.Boolean(), nullable=True),
        sa.Column("indirect_majority", sa.Boolean(), nullable=True),
        sa.Column("schulze_rank", sa.Integer(), nullable=True),
        sa.Column("better_than_status_quo", sa.Boolean(), nullable=True),
        sa.Column("reverse_beat_path", sa.Boolean(), nullable=True),
        sa.Column("multistage_majority", sa.Boolean(), nullable=True),
        sa.Column("eligible", sa.Boolean(), nullable=True),
        sa.Column("winner", sa.Boolean(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_initiative_name_not_empty")),
        sa.CheckConstraint(
            "revoked_at IS NULL OR admitted IS NULL",
            name=op.f("ck_initiative_revoked_never_admitted"),
        ),
        sa.CheckConstraint(
            "suggested_initiative_id IS NULL OR suggested_initiative_id <> id",
            name=op.f("ck_initiative_not_suggesting_itself"),
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_initiative_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_member_id"],
            ["member.id"],
            name=op.f("fk_initiative_revoked_by_member_id_member"),
        ),
        sa.ForeignKeyConstraint(
            ["suggested_initiative_id"],
            ["initiative.id"],
            name=op.f("fk_initiative_suggested_initiative_id_initiative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_initiative")),
    )
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiative_issue_id"), ["issue_id"], unique=False)

    op.create_table(
        "interest",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_interest_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_interest_member_id_member")
        ),
        sa.PrimaryKeyConstraint("issue_id", "member_id", name=op.f("pk_interest")),
    )
    with op.batch_alter_table("interest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interest_member_id"), ["member_id"], unique=False)

    op.create_table(
        "ballot_grade",
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_ballot_grade_initiative_id_initiative"),
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_ballot_grade_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_ballot_grade_member_id_member")
        ),
        sa.PrimaryKeyConstraint(
            "issue_id", "member_id", "initiative_id", name=op.f("pk_ballot_grade")
        ),
    )
    op.create_table(
        "battle",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("winning_initiative_id", sa.Integer(), nullable=True),
        sa.Column("losing_initiative_id", sa.Integer(), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.CheckConstraint("count >= 0", name=op.f("ck_battle_count_not_negative")),
        sa.CheckConstraint(
            "winning_initiative_id IS NULL OR losing_initiative_id IS NULL OR winning_initiative_id <> losing_initiative_id",
            name=op.f("ck_battle_distinct_candidates"),
        ),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], name=op.f("fk_battle_issue_id_issue")),
        sa.ForeignKeyConstraint(
            ["losing_initiative_id"],
            ["initiative.id"],
            name=op.f("fk_battle_losing_initiative_id_initiative"),
        ),
        sa.ForeignKeyConstraint(
            ["winning_initiative_id"],
            ["initiative.id"],
            name=op.f("fk_battle_winning_initiative_id_initiative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_battle")),
    )
    with op.batch_alter_table("battle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_battle_issue_id"), ["issue_id"], unique=False)

    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_draft_author_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_draft_initiative_id_initiative")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_initiative_id"), ["initiative_id"], unique=False)

    op.create_table(
        "initiator",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_initiator_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_initiator_member_id_member")
        ),
        sa.PrimaryKeyConstraint("initiative_id", "member_id", name=op.f("pk_initiator")),
    )
    with op.batch_alter_table("initiator", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_initiator_member_id"), ["member_id"], unique=False)

    op.create_table(
        "vote",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_vote_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(["issue_id"], ["issue.id"], name=op.f("fk_vote_issue_id_issue")),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_vote_member_id_member")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vote")),
        sa.UniqueConstraint(
            "issue_id",
            "member_id",
            "initiative_id",
            name=op.f("uq_vote_issue_id_member_id_initiative_id"),
        ),
    )
    op.create_table(
        "suggestion",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("replacement_content", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minus2_unfulfilled_count", sa.Integer(), nullable=False),
        sa.Column("minus2_fulfilled_count", sa.Integer(), nullable=False),
        sa.Column("minus1_unfulfilled_count", sa.Integer(), nullable=False),
        sa.Column("minus1_fulfilled_count", sa.Integer(), nullable=False),
        sa.Column("plus1_unfulfilled_count", sa.Integer(), nullable=False),
        sa.Column("plus1_fulfilled_count", sa.Integer(), nullable=False),
        sa.Column("plus2_unfulfilled_count", sa.Integer(), nullable=False),
        sa.Column("plus2_fulfilled_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'accepted', 'rejected')", name=op.f("ck_suggestion_status_known")
        ),
        sa.CheckConstraint("length(name) > 0", name=op.f("ck_suggestion_name_not_empty")),
        sa.ForeignKeyConstraint(
            ["author_id"], ["member.id"], name=op.f("fk_suggestion_author_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_suggestion_draft_id_draft")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"],
            ["initiative.id"],
            name=op.f("fk_suggestion_initiative_id_initiative"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suggestion")),
    )
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_suggestion_initiative_id"), ["initiative_id"], unique=False
        )

    op.create_table(
        "supporter",
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("issue_id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["draft_id"], ["draft.id"], name=op.f("fk_supporter_draft_id_draft")
        ),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_supporter_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(
            ["issue_id"], ["issue.id"], name=op.f("fk_supporter_issue_id_issue")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_supporter_member_id_member")
        ),
        sa.PrimaryKeyConstraint("initiative_id", "member_id", name=op.f("pk_supporter")),
    )
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supporter_issue_id"), ["issue_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_supporter_member_id"), ["member_id"], unique=False)

    op.create_table(
        "opinion",
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("initiative_id", sa.Integer(), nullable=False),
        sa.Column("degree", sa.Integer(), nullable=False),
        sa.Column("fulfilled", sa.Boolean(), nullable=False),
        sa.CheckConstraint("degree IN (-2, -1, 1, 2)", name=op.f("ck_opinion_degree_known")),
        sa.ForeignKeyConstraint(
            ["initiative_id"], ["initiative.id"], name=op.f("fk_opinion_initiative_id_initiative")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_opinion_member_id_member")
        ),
        sa.ForeignKeyConstraint(
            ["suggestion_id"], ["suggestion.id"], name=op.f("fk_opinion_suggestion_id_suggestion")
        ),
        sa.PrimaryKeyConstraint("suggestion_id", "member_id", name=op.f("pk_opinion")),
    )
    with op.batch_alter_table("opinion", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_opinion_initiative_id"), ["initiative_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_opinion_member_id"), ["member_id"], unique=False)

    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_event_draft_id_draft"), "draft", ["draft_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_event_initiative_id_initiative"), "initiative", ["initiative_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_event_issue_id_issue"), "issue", ["issue_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_event_suggestion_id_suggestion"), "suggestion", ["suggestion_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_event_suggestion_id_suggestion"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_event_issue_id_issue"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_event_initiative_id_initiative"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_event_draft_id_draft"), type_="foreignkey")

    with op.batch_alter_table("opinion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opinion_member_id"))
        batch_op.drop_index(batch_op.f("ix_opinion_initiative_id"))

    op.drop_table("opinion")
    with op.batch_alter_table("supporter", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_supporter_member_id"))
        batch_op.drop_index(batch_op.f("ix_supporter_issue_id"))

    op.drop_table("supporter")
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suggestion_initiative_id"))

    op.drop_table("suggestion")
    op.drop_table("vote")
    with op.batch_alter_table("initiator", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiator_member_id"))

    op.drop_table("initiator")
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_initiative_id"))

    op.drop_table("draft")
    with op.batch_alter_table("battle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_battle_issue_id"))

    op.drop_table("battle")
    op.drop_table("ballot_grade")
    with op.batch_alter_table("interest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interest_member_id"))

    op.drop_table("interest")
    with op.batch_alter_table("initiative", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_initiative_issue_id"))

    op.drop_table("initiative")
    op.drop_table("direct_voter")
    with op.batch_alter_table("delegation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delegation_unit_id"))
        batch_op.drop_index(batch_op.f("ix_delegation_trustee_id"))
        batch_op.drop_index(batch_op.f("ix_delegation_issue_id"))
        batch_op.drop_index(batch_op.f("ix_delegation_area_id"))

    op.drop_table("delegation")
    op.drop_table("delegating_voter")
    with op.batch_alter_table("ballot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ballot_member_id"))

    op.drop_table("ballot")
    with op.batch_alter_table("issue", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_unit_id"))
        batch_op.drop_index(batch_op.f("ix_issue_state"))
        batch_op.drop_index(batch_op.f("ix_issue_area_id"))

    op.drop_table("issue")
