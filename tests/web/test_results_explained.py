"""Issue 10, item 10: a closed issue's page says, for each initiative, the majority its policy
required and what it got, and in one sentence why the issue ended as it did; it draws approval and
disapproval per initiative and the Schulze ranking against the status quo as inline SVG with a text
alternative. Closed issues are made through the API and the lifecycle, as members make them."""

import html
import re

from fastapi.testclient import TestClient

from app.db import Database
from proposals.clock import FrozenClock
from tests.api.world import DAY, World, build_world
from tests.web.helpers import advance, proposal


def _close(world: World, issue_id: int, ballots: dict[str, dict[int, int]]) -> None:
    """From admission (quorum reached) to the close, with these ballots."""
    advance(world, 3)
    assert world.issue(issue_id)["state"] == "voting"
    for who, grades in ballots.items():
        assert world.vote(who, issue_id, grades).status_code == 200
    world.clock.advance(DAY)
    world.run()


def _results(client: TestClient, issue_id: int) -> str:
    response = client.get(f"/issues/{issue_id}")
    assert response.status_code == 200
    return response.text.split('id="results-heading"')[1]


def _why(text: str) -> str:
    found = re.search(r'<p class="explain" id="result-why">(.*?)</p>', text, re.S)
    assert found, "the result has no explanation"
    return html.unescape(found.group(1))


def _svg(text: str, title_id: str) -> str:
    """The inline SVG labelled by the ``<title>`` with this id."""
    for svg in re.findall(r"<svg\b.*?</svg>", text, re.S):
        if f'<title id="{title_id}">' in svg:
            return str(svg)
    raise AssertionError(f"no svg titled {title_id}")


class TestWhyTheIssueEnded:
    def test_a_winner_and_the_majority_it_got(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "Cycle lanes")
        issue_id = first["issue_id"]
        _close(
            world, issue_id, {"A": {first["id"]: 1}, "B": {first["id"]: 2}, "C": {first["id"]: -1}}
        )
        text = _results(client, issue_id)
        assert _why(text) == (
            "Cycle lanes won: it reached the required majority (more than 1/2 approval: got 2 of"
            " 3, 66 %) and ranked best by the Schulze method among the initiatives that met every"
            " condition of the policy."
        )
        page = client.get(f"/issues/{issue_id}").text
        assert (
            "It needed more than 1/2 approval: got 2 of 3, 66 %. Won: it met every condition"
            " of the policy and ranked best." in page
        )

    def test_no_initiative_beats_the_status_quo(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "Toll")
        issue_id = first["issue_id"]
        _close(
            world, issue_id, {"A": {first["id"]: 1}, "B": {first["id"]: -1}, "C": {first["id"]: -2}}
        )
        text = _results(client, issue_id)
        assert _why(text) == (
            "No initiative beat the status quo in the Schulze ranking, so the status quo stays."
        )
        assert "needed more than 1/2 approval: got 1 of 3, 33 %" in text

    def test_a_two_thirds_majority_not_reached(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(
            client, db, clock, list("ABCDEF"), direct_majority_num=2, direct_majority_den=3
        )
        first = proposal(world, "A", "Tram")
        issue_id = first["issue_id"]
        yes, no = {first["id"]: 1}, {first["id"]: -1}
        _close(world, issue_id, {"A": yes, "B": yes, "C": yes, "D": no, "E": no, "F": {}})
        assert world.issue(issue_id)["state"] == "finished_without_winner"
        text = _results(client, issue_id)
        assert _why(text) == (
            "No initiative reached the required majority (more than 2/3 approval),"
            " so the status quo stays."
        )
        row = text.split('<a href="/initiatives/{}">Tram</a></th>'.format(first["id"]))[1]
        row = row.split("</tr>")[0]
        assert re.findall(r"<td>(.*?)</td>", row) == [
            "3",
            "2",
            "1",
            "3 of 5, 60 % (not reached)",
            "1",
        ]
        assert "(the policy required more than 2/3 approval)" in text
        page = client.get(f"/issues/{issue_id}").text
        assert (
            "It needed more than 2/3 approval: got 3 of 5, 60 %. Not eligible: it did not reach"
            " the required majority." in page
        )

    def test_a_tie_broken_by_the_policy_rule(self, client: TestClient, world: World) -> None:
        old = world.propose("A", "Old")
        issue_id = old["issue_id"]
        new = world.propose("B", "New", issue_id=issue_id)
        world.support("A", old["id"])
        world.support("B", new["id"])
        both = {old["id"]: 1, new["id"]: 1}
        _close(world, issue_id, {"A": both, "B": both})
        assert world.initiative(old["id"])["winner"] is True
        text = _results(client, issue_id)
        assert _why(text) == (
            "Old won: it was tied with New in the Schulze comparison, the policy's tie-breaking"
            " rule ranked it first, and it met every condition of the policy (more than 1/2"
            " approval: got 2 of 2, 100 %)."
        )
        assert (
            "The policy's tie-breaking rule: a tie is broken by setting aside the weakest link"
            " the two share and comparing again; a tie that remains goes to the status quo,"
            " then to the older initiative." in html.unescape(text)
        )

    def test_a_canceled_issue_says_why(self, client: TestClient, world: World) -> None:
        first = proposal(world, "A", "Stopped")
        path = f"/api/v1/issues/{first['issue_id']}/cancel"
        assert world.client.post(path, headers=world.admin).status_code == 200
        text = _results(client, first["issue_id"])
        assert _why(text) == "An administrator canceled the issue."
        assert "<svg" not in text  # nothing was voted on: no picture

    def test_canceled_during_voting_shows_no_empty_votes(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world, "A", "Halted")
        advance(world, 3)
        assert world.issue(first["issue_id"])["state"] == "voting"
        path = f"/api/v1/issues/{first['issue_id']}/cancel"
        assert world.client.post(path, headers=world.admin).status_code == 200
        page = client.get(f"/issues/{first['issue_id']}").text
        assert "None" not in page  # was "Yes None · No None · Rank None"
        assert "Not voted on: the issue ended before the vote." in page
        assert _why(_results(client, first["issue_id"])) == "An administrator canceled the issue."

    def test_an_initiative_not_admitted_says_why(
        self, client: TestClient, db: Database, clock: FrozenClock
    ) -> None:
        world = build_world(
            client, db, clock, list("ABCD"), initiative_quorum_num=1, initiative_quorum_den=2
        )
        first = proposal(world, "A", "Popular")
        world.support("B", first["id"])
        lonely = world.propose("C", "Lonely", issue_id=first["issue_id"])
        world.support("C", lonely["id"])
        _close(world, first["issue_id"], {"A": {first["id"]: 1}})
        page = client.get(f"/issues/{first['issue_id']}").text
        assert "Not admitted to the vote: 1 satisfied supporter, 2 needed." in page


class TestResultPicture:
    def test_bars_and_ranking_with_their_text_alternative(
        self, client: TestClient, world: World
    ) -> None:
        first = world.propose("A", "First")
        issue_id = first["issue_id"]
        second = world.propose("B", "Second", issue_id=issue_id)
        world.support("A", first["id"])
        world.support("B", second["id"])
        _close(
            world,
            issue_id,
            {
                "A": {first["id"]: 1, second["id"]: -1},
                "B": {first["id"]: 1},
                "C": {first["id"]: -1, second["id"]: -1},
            },
        )
        text = _results(client, issue_id)

        bars = _svg(text, "votes-chart-title")
        assert 'role="img"' in bars and 'width="100%"' in bars and 'viewBox="0 0 360 ' in bars
        assert 'aria-labelledby="votes-chart-title votes-chart-desc"' in bars
        desc = html.unescape(re.search(r'<desc id="votes-chart-desc">(.*?)</desc>', bars).group(1))  # type: ignore[union-attr]
        assert desc == (
            "First: 2 approve, 1 disapprove, 0 abstain of 3; needed more than 1/2 approval: got 2"
            " of 3, 66 %. Second: 0 approve, 2 disapprove, 1 abstain of 3; needed more than 1/2"
            " approval: got 0 of 2, 0 %."
        )
        # Widths scale to 3 voters over 360 units; the tick: half of those who took a side.
        assert (
            '<rect class="bar-approve" x="0.0" y="20" width="240.0" height="16" data-value="2">'
            in bars
        )
        assert (
            'class="bar-disapprove" x="240.0" y="20" width="120.0" height="16" data-value="1"'
            in bars
        )
        assert '<line class="bar-needed" x1="180.0" x2="180.0"' in bars
        assert (
            'class="bar-disapprove" x="0.0" y="84" width="240.0" height="16" data-value="2"' in bars
        )
        assert (
            'class="bar-abstain" x="240.0" y="84" width="120.0" height="16" data-value="1"' in bars
        )

        ranking = _svg(text, "ranking-chart-title")
        assert 'role="img"' in ranking
        labels = [html.unescape(t) for t in re.findall(r"<text [^>]*>(.*?)</text>", ranking)]
        assert labels == ["1. First", "2. Status quo", "3. Second"]
        assert html.unescape(
            re.search(r'<desc id="ranking-chart-desc">(.*?)</desc>', ranking).group(1)  # type: ignore[union-attr]
        ) == (
            "Schulze ranking, best first: 1. First, 2. Status quo, 3. Second. Ranked above the"
            " status quo: First. Ranked below it: Second."
        )

        # The same numbers as text, in the table next to the pictures.
        table = text.split('<caption id="result-table-caption">')[1].split("</table>")[0]
        assert "<td>2</td><td>1</td><td>0</td><td>2 of 3, 66 % (reached)</td><td>1</td>" in table
        assert "<td>0</td><td>2</td><td>1</td><td>0 of 2, 0 % (not reached)</td><td>3</td>" in table
        # Each bar's numbers are written under it, too.
        numbers = re.findall(r'<text [^>]*class="chart-numbers">(.*?)</text>', bars)
        assert [html.unescape(n) for n in numbers] == [
            "2 approve · 1 disapprove · 0 abstain",
            "0 approve · 2 disapprove · 1 abstain",
        ]

    def test_the_picture_needs_no_inline_style_or_script(
        self, client: TestClient, world: World
    ) -> None:
        first = proposal(world, "A", "First")
        _close(world, first["issue_id"], {"A": {first["id"]: 1}})
        response = client.get(f"/issues/{first['issue_id']}")
        assert "style-src 'self'" in response.headers["content-security-policy"]
        assert "<svg" in response.text
        assert not re.search(r"\sstyle=", response.text) and "<script" not in response.text
