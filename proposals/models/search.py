"""The full-text search documents: one row per searchable object (issue 10, item 8).

The text of each issue, initiative, suggestion and member is copied here by the service that
writes it (``proposals.services.search``); the database's own full-text index follows this table:
on PostgreSQL a GIN index over ``to_tsvector('simple', ...)`` of the two word columns, on SQLite
the FTS5 table ``search_fts`` (an external-content index of this table kept in step by triggers).
Both are made by the migration ``0007``; neither is part of these models.
"""

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

SEARCH_KINDS = ("issue", "initiative", "suggestion", "member")


class SearchDocument(SQLModel, table=True):
    """What search finds: ``title`` and ``body`` as shown, ``*_words`` as indexed (the words of
    the text, case-folded and separated by single spaces, so both backends see the same words)."""

    __tablename__ = "search_document"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN (" + ", ".join(f"'{k}'" for k in SEARCH_KINDS) + ")", name="kind_known"
        ),
        sa.UniqueConstraint("kind", "ref_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_type=sa.String(16))
    ref_id: int
    title: str = Field(sa_type=sa.Text)
    body: str = Field(sa_type=sa.Text)
    title_words: str = Field(sa_type=sa.Text)
    body_words: str = Field(sa_type=sa.Text)
