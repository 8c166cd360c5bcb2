"""Issue 10, item 8: full-text search documents and their index.

``search_document`` holds one row per issue, initiative, suggestion and member (its title, text
and their words, see ``proposals.services.search``). The full-text index follows that table:

* PostgreSQL: the GIN index ``ix_search_document_vector`` over the ``simple`` configuration's
  ``to_tsvector`` of the two word columns (title weight A, text weight D);
* SQLite: the FTS5 table ``search_fts`` (``unicode61``, no diacritics removed) with the
  external content ``search_document``, kept in step by three triggers on that table.

Existing issues, initiatives (current draft), suggestions (not removed) and members are indexed
here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 08:00:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from proposals.services.search import (
    DOCUMENT_VECTOR,
    issue_body,
    issue_title,
    suggestion_body,
    words,
)

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_UPGRADE = (
    "CREATE VIRTUAL TABLE search_fts USING fts5(title_words, body_words,"
    " content='search_document', content_rowid='id', tokenize='unicode61 remove_diacritics 0')",
    "CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_document BEGIN"
    " INSERT INTO search_fts(rowid, title_words, body_words)"
    " VALUES (new.id, new.title_words, new.body_words); END",
    "CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_document BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, title_words, body_words)"
    " VALUES ('delete', old.id, old.title_words, old.body_words); END",
    "CREATE TRIGGER search_document_fts_update AFTER UPDATE ON search_document BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, title_words, body_words)"
    " VALUES ('delete', old.id, old.title_words, old.body_words);"
    " INSERT INTO search_fts(rowid, title_words, body_words)"
    " VALUES (new.id, new.title_words, new.body_words); END",
)
_SQLITE_DOWNGRADE = (
    "DROP TRIGGER search_document_fts_update",
    "DROP TRIGGER search_document_fts_delete",
    "DROP TRIGGER search_document_fts_insert",
    "DROP TABLE search_fts",
)


def _existing_documents(connection: sa.Connection) -> list[dict[str, object]]:
    documents: list[tuple[str, int, str, str]] = []
    for member_id, name, statement in connection.execute(
        sa.text("SELECT id, name, statement FROM member ORDER BY id")
    ):
        documents.append(("member", member_id, name, statement))
    names: dict[int, list[str]] = defaultdict(list)
    for initiative_id, issue_id, name, content in connection.execute(
        sa.text(
            "SELECT i.id, i.issue_id, i.name, d.content FROM initiative AS i"
            " JOIN draft AS d ON d.id ="
            " (SELECT max(id) FROM draft WHERE draft.initiative_id = i.id)"
            " ORDER BY i.id"
        )
    ):
        documents.append(("initiative", initiative_id, name, content))
        names[issue_id].append(name)
    for issue_id, area_name in connection.execute(
        sa.text(
            "SELECT issue.id, area.name FROM issue JOIN area ON area.id = issue.area_id"
            " ORDER BY issue.id"
        )
    ):
        documents.append(
            ("issue", issue_id, issue_title(issue_id, area_name), issue_body(names[issue_id]))
        )
    for suggestion_id, name, content, replacement in connection.execute(
        sa.text(
            "SELECT id, name, content, replacement_content FROM suggestion"
            " WHERE removed_at IS NULL ORDER BY id"
        )
    ):
        documents.append(("suggestion", suggestion_id, name, suggestion_body(content, replacement)))
    return [
        {
            "kind": kind,
            "ref_id": ref_id,
            "title": title,
            "body": body,
            "title_words": words(title),
            "body_words": words(body),
        }
        for kind, ref_id, title, body in documents
    ]


def upgrade() -> None:
    table = op.create_table(
        "search_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("title_words", sa.Text(), nullable=False),
        sa.Column("body_words", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('issue', 'initiative', 'suggestion', 'member')",
            name=op.f("ck_search_document_kind_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_document")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_search_document_kind_ref_id")),
    )
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(
            f"CREATE INDEX ix_search_document_vector ON search_document USING gin ({DOCUMENT_VECTOR})"
        )
    else:
        for statement in _SQLITE_UPGRADE:
            op.execute(statement)
    documents = _existing_documents(connection)
    if documents:
        op.bulk_insert(table, documents)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_search_document_vector")
    else:
        for statement in _SQLITE_DOWNGRADE:
            op.execute(statement)
    op.drop_table("search_document")
