"""GET /api/v1/search: full-text search on SQLite (FTS5) and PostgreSQL (tsvector) alike."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.db import Database
from app.settings import PublicAccess
from proposals.clock import FrozenClock
from proposals.services.search import words
from tests.api.world import World, build_world
from tests.factories import bearer, make_member, make_token


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["A", "B"])


def find(world: World, q: str, who: str | None = None, **params: Any) -> list[dict[str, Any]]:
    """Every hit for ``q``, following the cursor."""
    items: list[dict[str, Any]] = world.all_items("/search", who, q=q, **params)
    return items


def found(world: World, q: str, who: str | None = None, **params: Any) -> list[tuple[str, int]]:
    return [(hit["kind"], hit["id"]) for hit in find(world, q, who, **params)]


def propose(world: World, who: str, name: str, content: str, **target: int) -> int:
    body: dict[str, Any] = {"name": name, "content": content}
    body.update(target or {"area_id": world.area_id, "policy_id": world.policy_id})
    initiative: dict[str, Any] = world.ok("POST", "/initiatives", who, json=body)
    return int(initiative["id"])


def statement(world: World, who: str, text: str) -> None:
    world.ok("PATCH", "/members/me", who, json={"statement": text})


class TestFindsEachKind:
    def test_an_initiative_by_a_word_of_its_draft(self, world: World) -> None:
        initiative = propose(world, "A", "Bicycle lanes", "Paint lanes on the harbour road.")
        assert found(world, "harbour") == [("initiative", initiative)]

    def test_an_issue_by_the_name_of_its_initiative_or_its_area(self, world: World) -> None:
        initiative = propose(world, "A", "Bicycle lanes", "Paint them.")
        issue_id = world.initiative(initiative)["issue_id"]
        assert found(world, "bicycle", kind="issue") == [("issue", issue_id)]
        assert found(world, "transport", kind="issue") == [("issue", issue_id)]
        hits = find(world, "bicycle")
        assert [(h["kind"], h["id"]) for h in hits] == [
            ("initiative", initiative),
            ("issue", issue_id),
        ]
        assert hits[1]["title"] == f"Issue {issue_id} · Transport"

    def test_a_suggestion_by_its_name_text_and_replacement(self, world: World) -> None:
        initiative = propose(world, "A", "Bicycle lanes", "Paint them.")
        suggestion = world.suggest(
            "B",
            initiative,
            name="Wider lanes",
            content="Make them lighthouse wide",
            replacement_content="Paint them turquoise.",
        )["id"]
        for word in ("wider", "lighthouse", "turquoise"):
            assert found(world, word) == [("suggestion", suggestion)], word

    def test_a_member_by_name_and_statement(self, world: World) -> None:
        statement(world, "A", "I care about zeppelins.")
        assert found(world, "zeppelins") == [("member", world.id("A"))]
        assert ("member", world.id("B")) in found(world, "B", kind="member")

    def test_kind_filters(self, world: World) -> None:
        initiative = propose(world, "A", "Harbour", "Harbour text")
        world.suggest("B", initiative, name="Harbour too", content="x")
        statement(world, "A", "harbour person")
        assert {kind for kind, _ in found(world, "harbour")} == {
            "initiative",
            "issue",
            "suggestion",
            "member",
        }
        assert found(world, "harbour", kind="member") == [("member", world.id("A"))]


class TestMatching:
    @pytest.fixture
    def initiative(self, world: World) -> int:
        return propose(
            world,
            "A",
            "Straße und École",
            "Paint lanes on the harbour road and plant trees.",
        )

    @pytest.mark.parametrize("q", ["submarine", "harbour submarine", "harbourside", "lan road"])
    def test_not_by_a_missing_word(self, world: World, initiative: int, q: str) -> None:
        assert found(world, q) == []

    @pytest.mark.parametrize(
        "q", ["harbour", "HARBOUR", "road harbour", "paint lanes", "harb", "harbour ro", "STRASSE"]
    )
    def test_every_word_case_insensitively_the_last_also_as_a_prefix(
        self, world: World, initiative: int, q: str
    ) -> None:
        assert found(world, q, kind="initiative") == [("initiative", initiative)]

    def test_no_stemming_and_no_accent_folding(self, world: World, initiative: int) -> None:
        assert found(world, "trees", kind="initiative") == [("initiative", initiative)]
        assert found(world, "tree road", kind="initiative") == []  # only the last is a prefix
        assert found(world, "ecole", kind="initiative") == []
        assert found(world, "école", kind="initiative") == [("initiative", initiative)]
        assert found(world, "ÉCOLE", kind="initiative") == [("initiative", initiative)]


class TestUpdates:
    def test_a_new_draft_replaces_the_old_text(self, world: World) -> None:
        initiative = propose(world, "A", "Lanes", "Paint them magenta.")
        world.ok("POST", f"/initiatives/{initiative}/drafts", "A", json={"content": "Cyan now."})
        assert found(world, "cyan") == [("initiative", initiative)]
        assert found(world, "magenta") == []

    def test_an_accepted_suggestion_is_the_new_text(self, world: World) -> None:
        initiative = propose(world, "A", "Lanes", "Paint them magenta.")
        suggestion = world.suggest(
            "B", initiative, name="Colour", content="x", replacement_content="Paint them ochre."
        )["id"]
        world.ok("POST", f"/suggestions/{suggestion}/accept", "A")
        assert found(world, "ochre", kind="initiative") == [("initiative", initiative)]
        assert found(world, "magenta") == []

    def test_a_new_suggestion_is_found_and_a_removed_one_not(self, world: World) -> None:
        initiative = propose(world, "A", "Lanes", "Paint them.")
        assert found(world, "lighthouse") == []
        suggestion = world.suggest("B", initiative, name="Lighthouse", content="x")["id"]
        assert found(world, "lighthouse") == [("suggestion", suggestion)]
        world.ok("DELETE", f"/suggestions/{suggestion}/opinion", "B")  # its last opinion
        assert world.status("GET", f"/suggestions/{suggestion}") == 404
        assert found(world, "lighthouse") == []

    def test_a_statement_change_replaces_the_old_statement(self, world: World) -> None:
        statement(world, "A", "I like zeppelins.")
        statement(world, "A", "I like airships.")
        assert found(world, "airships") == [("member", world.id("A"))]
        assert found(world, "zeppelins") == []

    def test_a_new_member_is_found(self, world: World, db: Database) -> None:
        member = make_member(db, name="Quentin")
        assert found(world, "quentin") == [("member", member.id)]

    def test_a_competing_initiative_joins_its_issue_text(self, world: World) -> None:
        first = propose(world, "A", "Trams", "x")
        issue_id = world.initiative(first)["issue_id"]
        propose(world, "B", "Buses", "y", issue_id=issue_id)
        assert found(world, "buses", kind="issue") == [("issue", issue_id)]


class TestRankingAndSnippets:
    def test_the_same_hits_in_the_same_order_on_both_backends(self, world: World) -> None:
        # Every test runs on SQLite and PostgreSQL: both must give exactly these answers.
        one = propose(world, "A", "Tramway for the old town", "Build a tramway. Tramway now!")
        two = propose(world, "B", "Cycle paths", "Cheaper than a tramway or buses.")
        three = propose(world, "A", "Buses", "More buses, at night too.")
        statement(world, "B", "Tramway fan")
        assert found(world, "tramway", kind="initiative") == [
            ("initiative", one),
            ("initiative", two),
        ]
        assert found(world, "buses", kind="initiative") == [
            ("initiative", three),
            ("initiative", two),
        ]
        assert found(world, "tramway", kind="member") == [("member", world.id("B"))]
        assert found(world, "night bus", kind="initiative") == [("initiative", three)]

    def test_a_title_match_ranks_above_a_text_only_match(self, world: World) -> None:
        body_only = propose(world, "A", "Parking", "Fewer cars; the monorail instead, monorail!")
        in_title = propose(world, "B", "Monorail", "Build it.")
        hits = find(world, "monorail", kind="initiative")
        assert [h["id"] for h in hits] == [in_title, body_only]
        assert hits[0]["rank"] > hits[1]["rank"] > 0

    def test_highlights_point_at_the_matched_words(self, world: World) -> None:
        propose(world, "A", "Harbour lanes", "Paint lanes on the Harbour road; harbours too.")
        (hit,) = find(world, "harbour", kind="initiative")
        assert hit["snippet"] == "Paint lanes on the Harbour road; harbours too."
        marked = [hit["snippet"][start:end] for start, end in hit["highlights"]]
        assert marked == ["Harbour", "harbours"]
        assert [hit["title"][s:e] for s, e in hit["title_highlights"]] == ["Harbour"]

    def test_a_long_text_is_cut_around_the_first_match(self, world: World) -> None:
        text = "Lorem ipsum dolor. " * 40 + "The \n\n  zeppelin   lands here. " + "Sit amet. " * 40
        propose(world, "A", "Airships", text)
        (hit,) = find(world, "zeppelin", kind="initiative")
        snippet = hit["snippet"]
        assert snippet.startswith("… ") and snippet.endswith(" …")
        assert "The zeppelin lands here." in snippet
        assert len(snippet) <= 210
        ((start, end),) = hit["highlights"]
        assert snippet[start:end] == "zeppelin"

    def test_markdown_is_searched_and_shown_as_a_reader_sees_it(self, world: World) -> None:
        propose(
            world,
            "A",
            "Links",
            "A **funicular**, see [the plan](https://plans.example.org/cable) and `code`.",
        )
        (hit,) = find(world, "funicular", kind="initiative")
        assert hit["snippet"] == "A funicular, see the plan and code."
        assert found(world, "plans") == []  # a link's address is not text a reader sees
        assert len(found(world, "plan code", kind="initiative")) == 1

    def test_a_title_only_match_shows_the_start_of_the_text(self, world: World) -> None:
        propose(world, "A", "Zeppelin", "Nothing else here.")
        (hit,) = find(world, "zeppelin", kind="initiative")
        assert hit["snippet"] == "Nothing else here."
        assert hit["highlights"] == []
        assert hit["title_highlights"] == [[0, 8]]


class TestQuerySyntaxIsPlainWords:
    @pytest.fixture
    def initiative(self, world: World) -> int:
        return propose(world, "A", "Lanes", "Paint lanes on the harbour road and near the beach.")

    @pytest.mark.parametrize(
        "q",
        [
            '"harbour',
            'harbour"',
            '"harbour road"',
            "harbour*",
            "*harbour",
            "harbour AND road",
            "harbour -road",
            "-harbour",
            "harbour:",
            "harbour:road",
            "road:*",
            "harbour:* & road",
            "(harbour AND road)",
            "(harbour)",
            "NEAR(harbour road)",
            "harbour & road",
            "harbour | road",
            "!harbour",
            "harbour <-> road",
            "'harbour'",
            "harbour''",
            "harbour\\",
            "harbour ^ road",
            "harbour + road",
            "{harbour}",
            "harbour%",
            "harbour;",
        ],
    )
    def test_operators_are_separators(self, world: World, initiative: int, q: str) -> None:
        response = world.call("GET", "/search", params={"q": q, "kind": "initiative"})
        assert response.status_code == 200, response.text
        assert [h["id"] for h in response.json()["items"]] == [initiative]

    @pytest.mark.parametrize("q", ["harbour OR submarine", "submarine OR harbour", "NOT harbour"])
    def test_or_and_not_are_words_too(self, world: World, initiative: int, q: str) -> None:
        # Every word must occur: "or" and "not" are not in the text.
        assert found(world, q) == []

    def test_near_and_and_are_words(self, world: World, initiative: int) -> None:
        assert found(world, "near AND beach", kind="initiative") == [("initiative", initiative)]


class TestBadInput:
    @pytest.mark.parametrize(
        ("params", "detail"),
        [
            ({}, "q must not be empty"),
            ({"q": ""}, "q must not be empty"),
            ({"q": "   "}, "q must not be empty"),
            ({"q": "x" * 201}, "q must have at most 200 characters"),
            ({"q": '"*" - ()'}, "q must contain at least one word (a letter or a digit)"),
            ({"q": "x", "cursor": "bm90IGEgY3Vyc29y"}, "cursor is not valid"),
            ({"q": "x", "cursor": "czE6bmFuOjE"}, "cursor is not valid"),  # s1:nan:1
            ({"q": "x", "limit": 501}, "limit must not exceed 500"),
        ],
    )
    def test_422_with_a_clear_detail(
        self, world: World, params: dict[str, Any], detail: str
    ) -> None:
        response = world.call("GET", "/search", params=params)
        assert response.status_code == 422
        assert response.json() == {"detail": detail}

    def test_an_unknown_kind_is_422(self, world: World) -> None:
        response = world.call("GET", "/search", params={"q": "x", "kind": "area"})
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == ["query", "kind"]

    def test_a_query_of_200_characters_is_fine(self, world: World) -> None:
        assert world.call("GET", "/search", params={"q": "x" * 200}).status_code == 200


class TestPagination:
    def test_pages_have_no_duplicates_and_no_gaps(self, world: World) -> None:
        ids = set()
        for index in range(7):
            # Varying counts give varying ranks; equal ranks are ordered by document.
            ids.add(propose(world, "A", f"Plan {index}", "canal " * (index % 3 + 1)))
        everything = found(world, "canal", kind="initiative")
        assert {i for _, i in everything} == ids and len(everything) == 7
        pages, cursor = [], None
        while True:
            params: dict[str, Any] = {"q": "canal", "kind": "initiative", "limit": 3}
            if cursor:
                params["cursor"] = cursor
            page = world.ok("GET", "/search", params=params)
            pages.append(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert [len(p) for p in pages] == [3, 3, 1]
        paged = [(h["kind"], h["id"]) for p in pages for h in p]
        assert paged == everything
        ranks = [h["rank"] for p in pages for h in p]
        assert ranks == sorted(ranks, reverse=True)


class TestVisibility:
    @pytest.fixture
    def data(self, world: World) -> int:
        statement(world, "A", "I love zeppelins.")
        return propose(world, "A", "Zeppelin port", "Land zeppelins here.")

    def test_pseudonym_shows_members(self, world: World, data: int) -> None:
        assert set(found(world, "zeppelins")) == {
            ("member", world.id("A")),
            ("initiative", data),
        }

    @pytest.mark.parametrize("public_access", [PublicAccess.ANONYMOUS])
    def test_anonymous_finds_no_members_without_a_token(self, world: World, data: int) -> None:
        assert found(world, "zeppelins") == [("initiative", data)]
        assert found(world, "zeppelins", kind="member") == []
        assert set(found(world, "zeppelins", "B")) == {
            ("member", world.id("A")),
            ("initiative", data),
        }

    @pytest.mark.parametrize("public_access", [PublicAccess.NONE])
    def test_none_needs_a_token(self, world: World, data: int, db: Database) -> None:
        assert world.status("GET", "/search", params={"q": "zeppelins"}) == 401
        reader = make_member(db)
        headers = bearer(make_token(db, reader, scopes=["read"]))
        response = world.client.get("/api/v1/search", params={"q": "land"}, headers=headers)
        assert [h["id"] for h in response.json()["items"]] == [data]


TRICKY_TEXTS = [
    "Éco-Parking: 2 Straße x² İstanbul",
    "bob@example.org visits https://www.example.com/path?q=1 at 3.5 pm",
    "東京 都庁 and 日本語テキスト",
    "well-known, so-called; e-mail",
    "Ünïcödé ǅemal ﬁle ⅻ roman e\u0301cole",
    "under_score and CamelCase and 123abc abc123 0x1F",
    "Greek ΣΊΣΥΦΟΣ σίσυφος ᾈ",
]


class TestBothBackendsFindWhatTheWordsRuleSays:
    def test_tricky_texts(self, world: World) -> None:
        """Each backend answers exactly what Python's words rule predicts, so both agree."""
        documents = {
            propose(world, "A", f"Doc {index}", text): set(words(f"Doc {index} {text}").split())
            for index, text in enumerate(TRICKY_TEXTS)
        }
        vocabulary = sorted(set().union(*documents.values()))
        queries = [*vocabulary, *(w[:2] for w in vocabulary), "doc example", "x 2", "and doc"]
        wrong = {}
        for q in queries:
            terms = words(q).split()
            expected = {
                initiative
                for initiative, vocab in documents.items()
                if all(t in vocab for t in terms[:-1])
                and any(w.startswith(terms[-1]) for w in vocab)
            }
            got = {i for _, i in found(world, q, kind="initiative")}
            if got != expected:
                wrong[q] = (sorted(expected), sorted(got))
        assert wrong == {}
        assert found(world, "x²", kind="initiative") == found(world, "x", kind="initiative") != []
