"""Full-text search over issues, initiatives, suggestions and members (issue 10, item 8).

One rule decides what a word is (:func:`word_spans`): a run of letters (Unicode ``L*``) and
digits (``Nd``, ``Nl``), case-folded after NFC normalisation (a document's words have at most
:data:`WORD_MAX` characters). It runs in Python on the documents and on the query alike, and
the databases only ever see those words separated by spaces -- so PostgreSQL's ``simple``
configuration and SQLite FTS5's ``unicode61`` tokenizer (``remove_diacritics 0``) find the same
things: no stemming, no stop words, no accent folding on either.

A query is plain words: every word must occur (AND), the last one also as the start of a longer
word (``park`` finds "parking"). Nothing the user types is query syntax: each word is quoted for
FTS5 ``MATCH`` and for ``to_tsquery``, so ``"``, ``*``, ``AND``, ``-``, ``:`` or parentheses are
only separators (or, for ``AND``, the word "and").

Ranking: a title match weighs ten times a body match (FTS5 ``bm25`` with column weights 10 and 1;
PostgreSQL ``ts_rank`` with the title as weight A = 1.0 and the body as weight D = 0.1). The
numbers differ between the backends; the order of clear cases does not.

The documents are written by the services whose verbs change the text (one writer per verb):
:func:`index_member` (a new member, a new statement), :func:`index_initiative` (a new initiative
or draft; also its issue, whose text lists its initiatives), :func:`index_suggestion` and
:func:`unindex_suggestion` (a suggestion removed with its last opinion).
"""

import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from markdown_it import MarkdownIt
from sqlmodel import Session, col, select

from proposals.errors import InvalidInput
from proposals.models import (
    SEARCH_KINDS,
    Area,
    Draft,
    Initiative,
    Issue,
    Member,
    SearchDocument,
    Suggestion,
)
from proposals.services.text import clean_text
from proposals.services.upsert import upsert

__all__ = [
    "QUERY_MAX",
    "SEARCH_KINDS",
    "WORD_MAX",
    "Hit",
    "Query",
    "SearchAfter",
    "SearchPage",
    "highlight",
    "index_initiative",
    "index_issue",
    "index_member",
    "index_suggestion",
    "issue_body",
    "issue_title",
    "parse_query",
    "plain_text",
    "search",
    "snippet",
    "suggestion_body",
    "unindex_suggestion",
    "word_spans",
    "words",
]

QUERY_MAX = 200
"""The longest query, in characters (longer: 422)."""
WORD_MAX = 100
"""Longer words are not indexed (PostgreSQL refuses lexemes over 2047 bytes)."""
SNIPPET_LENGTH = 200
"""About how many characters of the body a hit shows around its first matched word."""
_CONTEXT_BEFORE = 50


# Words -------------------------------------------------------------------------------------------


def _is_word_char(char: str) -> bool:
    category = unicodedata.category(char)
    return category[0] == "L" or category in ("Nd", "Nl")


def word_spans(text: str, max_length: int | None = WORD_MAX) -> Iterator[tuple[int, int, str]]:
    """The words of ``text`` with their ``[start, end)`` positions and their indexed form: the
    one rule of what search treats as a word, used for documents, queries and highlights.

    >>> [w for _, _, w in word_spans("Éco-Parking: 2 Straße! x²")]
    ['éco', 'parking', '2', 'strasse', 'x']
    """
    text = unicodedata.normalize("NFC", text)
    start = None
    for index, char in enumerate(text + " "):
        if _is_word_char(char) and index < len(text):
            if start is None:
                start = index
            continue
        if start is not None:
            folded = "".join(c for c in text[start:index].casefold() if _is_word_char(c))
            if folded and (max_length is None or len(folded) <= max_length):
                yield start, index, folded
            start = None


def words(text: str) -> str:
    """The indexed form of ``text``: its words separated by single spaces.

    >>> words("The  <b>car</b>-park, 2nd floor")
    'the b car b park 2nd floor'
    """
    return " ".join(word for _, _, word in word_spans(text))


_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def plain_text(markdown: str) -> str:
    """The text a reader sees of Markdown (drafts, statements, suggestions): what is indexed and
    what a snippet shows -- no ``**``, no link addresses; code and images' alt text kept.

    >>> plain_text("A **funicular** [site](https://example.org) <b>\\n\\n    code")
    'A funicular site <b>\\ncode\\n'
    """
    blocks = []
    for token in _MARKDOWN.parse(markdown):
        if token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
                elif child.type == "image":  # its alt text
                    parts.extend(c.content for c in child.children or [])
            blocks.append("".join(parts))
        elif token.type in ("fence", "code_block"):
            blocks.append(token.content)
    return "\n".join(block for block in blocks if block.strip())


# Queries -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """The words of a query: all must occur; the last also as a prefix."""

    terms: tuple[str, ...]

    def matches(self, word: str) -> bool:
        """Whether an indexed word is one the query looks for (for highlights)."""
        return word in self.terms[:-1] or word.startswith(self.terms[-1])

    def fts5(self) -> str:
        """The FTS5 ``MATCH`` expression: each word a quoted string, the last with ``*``."""
        return " ".join(f'"{term}"' for term in self.terms) + "*"

    def tsquery(self) -> str:
        """The ``to_tsquery`` text: each word quoted, joined by ``&``, the last with ``:*``."""
        quoted = ["'" + term.replace("'", "''") + "'" for term in self.terms]
        return " & ".join(quoted) + ":*"


def parse_query(text: str | None) -> Query:
    """The one check of a search query (API and page alike): not empty, at most
    :data:`QUERY_MAX` characters, and at least one word (a letter or a digit)."""
    text = clean_text(text, "q", max_length=QUERY_MAX)
    terms = tuple(word for _, _, word in word_spans(text, max_length=None))  # too long: no hit
    if not terms:
        raise InvalidInput("q must contain at least one word (a letter or a digit)")
    return Query(terms)


# Snippets and highlights -------------------------------------------------------------------------


def highlight(text: str, query: Query) -> list[tuple[int, int]]:
    """The ``[start, end)`` ranges of the words of ``text`` that the query matches."""
    text = unicodedata.normalize("NFC", text)
    return [(start, end) for start, end, word in word_spans(text) if query.matches(word)]


def snippet(body: str, query: Query) -> tuple[str, list[tuple[int, int]]]:
    """Plain text from ``body`` around its first matched word (its start if none matches), with
    whitespace runs made single spaces and ``…`` where text is cut, and the matched ranges in it.

    >>> snippet("Park  the car\\nhere", Query(("car",)))
    ('Park the car here', [(9, 12)])
    """
    text = " ".join(unicodedata.normalize("NFC", body).split())
    ranges = highlight(text, query)
    if len(text) <= SNIPPET_LENGTH:
        return text, ranges
    start = max(0, ranges[0][0] - _CONTEXT_BEFORE) if ranges else 0
    if start > 0:
        space = text.find(" ", start, ranges[0][0] if ranges else len(text))
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + SNIPPET_LENGTH)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    shift = len(prefix) - start
    kept = [(s + shift, e + shift) for s, e in ranges if s >= start and e <= end]
    return prefix + text[start:end] + suffix, kept


# Writing the documents ---------------------------------------------------------------------------


def _put(session: Session, kind: str, ref_id: int, title: str, body: str) -> None:
    """Insert or replace the document of one object (one statement: two writers at once never
    both insert)."""
    values = {
        "title": title,
        "body": body,
        "title_words": words(title),
        "body_words": words(body),
    }
    upsert(
        session,
        SearchDocument,
        {"kind": kind, "ref_id": ref_id, **values},
        keys=["kind", "ref_id"],
        update=values,
    )


def index_member(session: Session, member: Member) -> None:
    """A member is found by name and statement (written on creation and on a statement change)."""
    _put(session, "member", member.id or 0, member.name, plain_text(member.statement))


def issue_title(issue_id: int, area_name: str) -> str:
    """An issue's title in search results: ``Issue 7 · Transport``."""
    return f"Issue {issue_id} · {area_name}"


def issue_body(initiative_names: Sequence[str]) -> str:
    """An issue's text: the names of its initiatives, oldest first, one a line."""
    return "\n".join(initiative_names)


def suggestion_body(content: str, replacement_content: str | None) -> str:
    """A suggestion's text: what it asks for, then its replacement text if any (as seen)."""
    replacement = plain_text(replacement_content) if replacement_content else ""
    return plain_text(content) + ("\n\n" + replacement if replacement else "")


def index_issue(session: Session, issue_id: int) -> None:
    """An issue is found by its number, its area's name and the names of its initiatives."""
    issue = session.get(Issue, issue_id)
    assert issue is not None, issue_id
    area = session.get(Area, issue.area_id)
    assert area is not None, issue.area_id
    # Two competing initiatives created at once: the second waits here for the first to commit
    # and then reads both names (else the later write would drop the other's name).
    session.exec(
        select(SearchDocument.id)
        .where(SearchDocument.kind == "issue", SearchDocument.ref_id == issue_id)
        .with_for_update()
    ).first()
    names = session.exec(
        select(Initiative.name).where(Initiative.issue_id == issue_id).order_by(col(Initiative.id))
    ).all()
    _put(session, "issue", issue_id, issue_title(issue_id, area.name), issue_body(names))


def index_initiative(session: Session, initiative: Initiative, draft: Draft) -> None:
    """An initiative is found by its name and its current draft (written when it is created and
    with every new draft, accepted suggestions included); its issue's document too."""
    _put(session, "initiative", initiative.id or 0, initiative.name, plain_text(draft.content))
    index_issue(session, initiative.issue_id)


def index_suggestion(session: Session, suggestion: Suggestion) -> None:
    """A suggestion is found by its name, its text and its replacement text."""
    body = suggestion_body(suggestion.content, suggestion.replacement_content)
    _put(session, "suggestion", suggestion.id or 0, suggestion.name, body)


def unindex_suggestion(session: Session, suggestion_id: int) -> None:
    """A removed suggestion (its last opinion withdrawn) is no longer found."""
    session.execute(
        sa.delete(SearchDocument).where(
            col(SearchDocument.kind) == "suggestion", col(SearchDocument.ref_id) == suggestion_id
        )
    )


# Searching ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchAfter:
    """Where a page of results continues: after this rank and document."""

    rank: float
    document_id: int


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    title: str
    title_highlights: list[tuple[int, int]]
    snippet: str
    highlights: list[tuple[int, int]]
    rank: float
    document_id: int


@dataclass(frozen=True)
class SearchPage:
    items: Sequence[Hit]
    next_after: SearchAfter | None


_SQLITE = """
SELECT id, kind, ref_id, title, body, score FROM (
    SELECT d.id AS id, d.kind AS kind, d.ref_id AS ref_id, d.title AS title, d.body AS body,
           -bm25(search_fts, 10.0, 1.0) AS score
    FROM search_fts JOIN search_document AS d ON d.id = search_fts.rowid
    WHERE search_fts MATCH :match{kinds}
) AS hits
WHERE :after_rank IS NULL OR score < :after_rank OR (score = :after_rank AND id > :after_id)
ORDER BY score DESC, id
LIMIT :limit
"""

DOCUMENT_VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, title_words), 'A')"
    " || setweight(to_tsvector('simple'::regconfig, body_words), 'D'))"
)
"""The expression PostgreSQL's GIN index ``ix_search_document_vector`` is built on (migration
0007); a query must use exactly this expression to use the index."""

_POSTGRES = f"""
SELECT id, kind, ref_id, title, body, score FROM (
    SELECT d.id AS id, d.kind AS kind, d.ref_id AS ref_id, d.title AS title, d.body AS body,
           CAST(ts_rank({DOCUMENT_VECTOR}, q.query) AS double precision) AS score
    FROM search_document AS d,
         (SELECT to_tsquery('simple'::regconfig, :match) AS query) AS q
    WHERE {DOCUMENT_VECTOR} @@ q.query{{kinds}}
) AS hits
WHERE CAST(:after_rank AS double precision) IS NULL
   OR score < :after_rank OR (score = :after_rank AND id > :after_id)
ORDER BY score DESC, id
LIMIT :limit
"""


def search_statement(
    postgres: bool, query: Query, kinds: Sequence[str], after: SearchAfter | None, limit: int
) -> tuple[sa.TextClause, dict[str, object]]:
    """The backend's query and its parameters (every kind: no condition on the kind, so that
    PostgreSQL has only the GIN index to choose)."""
    some = len(kinds) < len(SEARCH_KINDS)
    sql = (_POSTGRES if postgres else _SQLITE).format(kinds=" AND d.kind IN :kinds" if some else "")
    statement = sa.text(sql)
    parameters: dict[str, object] = {
        "match": query.tsquery() if postgres else query.fts5(),
        "after_rank": after.rank if after else None,
        "after_id": after.document_id if after else 0,
        "limit": limit,
    }
    if some:
        statement = statement.bindparams(sa.bindparam("kinds", expanding=True))
        parameters["kinds"] = list(kinds)
    return statement, parameters


def search(
    session: Session,
    query: Query,
    *,
    kinds: Collection[str],
    after: SearchAfter | None,
    limit: int,
) -> SearchPage:
    """The documents of ``kinds`` matching every word of ``query``, best first (ties by document
    id), after ``after``; a page of at most ``limit`` hits. Which kinds a reader may see is the
    caller's choice (member results follow DESIGN.md §5's member visibility)."""
    wanted = [kind for kind in SEARCH_KINDS if kind in kinds]
    if not wanted:
        return SearchPage([], None)
    postgres = session.get_bind().dialect.name == "postgresql"
    statement, parameters = search_statement(postgres, query, wanted, after, limit + 1)
    rows = session.execute(statement, parameters).all()
    hits = []
    for document_id, kind, ref_id, raw_title, body, score in rows[:limit]:
        title = unicodedata.normalize("NFC", raw_title)
        text, ranges = snippet(body, query)
        hits.append(
            Hit(
                kind=kind,
                id=ref_id,
                title=title,
                title_highlights=highlight(title, query),
                snippet=text,
                highlights=ranges,
                rank=float(score),
                document_id=document_id,
            )
        )
    if len(rows) > limit:
        last = hits[-1]
        return SearchPage(hits, SearchAfter(last.rank, last.document_id))
    return SearchPage(hits, None)
