"""Journey (E) of issue 10: every chain case of item 1 as the members see it in Chromium.

Members A to H of ``crowded_server`` and X (no voting right) act in five issues of the area
(their setup goes through the API, as ``_seed`` does; what is checked is what each member then
reads). A proposes and supports every initiative, so A takes part in every issue.

* Issue ``open`` (admission, a policy whose admission lasts an hour): B and C take part; D -> A,
  E -> F, H -> G for the issue; G blocks delegation for the issue.
* Issue ``loop`` (admission): E -> F and F -> E, D -> X for the issue.
* Issue ``voting`` (voting for an hour): C -> B for the issue; B has voted.
* Issue ``closed`` (a few seconds of voting, then closed): C -> B and E -> F for the issue; only
  B voted.
* Issue ``canceled`` (canceled by the admin in admission).
* Area delegations B -> C, C -> A and G -> F; unit delegation H -> E.

Each member opens their chain the way a member would -- "Where does my vote go?" on the issue
page, the area page or the home page -- or, for another member's chain, its address. The page's
outcome sentence must be the API's ``outcome.text`` for the same viewer (``GET
/api/v1/delegation-chain``), and that sentence the one true for the scenario; the steps the page
lists are the API's chain members.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.audit import audit
from tests.browser.conftest import LiveServer
from tests.browser.test_journey import Person, member_row
from tests.factories import PASSWORD

expect.set_options(timeout=10_000)

QUICK_VOTE = 3  # seconds of voting of the issue that closes during the setup
UNIT = "Green Party"


@dataclass
class Scene:
    """The seeded organisation: ids of the members, the issues by role, the area and the unit."""

    server: LiveServer
    unit_id: int
    area_id: int
    members: dict[str, int]
    issues: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, viewer: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[viewer]}"} if viewer else {}
        return httpx.Client(base_url=self.server.base_url + "/api/v1", headers=headers, timeout=10)


class Setup:
    """The API calls of the setup, each as one member (``None``: the admin)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.tokens: dict[str, str] = {}
        self.tokens["admin"] = self.token(server.admin)

    def token(self, name: str) -> str:
        response = httpx.post(
            self.server.base_url + "/api/v1/auth/token",
            data={"username": name, "password": PASSWORD},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        token: str = response.json()["access_token"]
        return token

    def call(self, who: str, method: str, path: str, body: Any = None) -> Any:
        response = httpx.request(
            method,
            self.server.base_url + "/api/v1" + path,
            json=body,
            headers={"Authorization": f"Bearer {self.tokens[who]}"},
            timeout=10,
        )
        assert response.status_code < 300, (who, method, path, response.text)
        return response.json() if response.content else None


def _policy(setup: Setup, name: str, admission: int, voting: int) -> int:
    body = {
        "name": name,
        "min_admission_time": admission,
        "max_admission_time": admission + 3600,
        "discussion_time": 0,
        "verification_time": 0,
        "voting_time": voting,
        "issue_quorum_num": 1,
        "issue_quorum_den": 100,
        "initiative_quorum_num": 1,
        "initiative_quorum_den": 100,
    }
    policy_id: int = setup.call("admin", "POST", "/policies", body)["id"]
    return policy_id


@pytest.fixture(scope="module")
def scene(crowded_server: LiveServer) -> Scene:
    server = crowded_server
    setup = Setup(server)
    units = setup.call("admin", "GET", "/units")["items"]
    unit_id = next(u["id"] for u in units if u["name"] == UNIT)
    areas = setup.call("admin", "GET", "/areas", None)["items"]
    area_id = next(a["id"] for a in areas if a["name"] == server.area_name)
    members = dict(server.members)
    x = setup.call("admin", "POST", "/members", {"name": "X", "password": PASSWORD})
    members["X"] = x["id"]  # no privilege in the unit: no voting right
    for name in members:
        setup.tokens[name] = setup.token(name)
    scene = Scene(server, unit_id, area_id, members, tokens=setup.tokens)

    slow = _policy(setup, "Slow admission", admission=3600, voting=3600)
    long_vote = _policy(setup, "Long vote", admission=0, voting=3600)
    quick_vote = _policy(setup, "Quick vote", admission=0, voting=QUICK_VOTE)
    initiatives: dict[str, int] = {}
    for role, policy in [
        ("open", slow),
        ("loop", slow),
        ("canceled", slow),
        ("voting", long_vote),
        ("closed", quick_vote),
    ]:
        body = {"name": f"The {role} one", "content": "Text.", "area_id": area_id}
        made = setup.call("A", "POST", "/initiatives", {**body, "policy_id": policy})
        setup.call("A", "PUT", f"/initiatives/{made['id']}/support")
        scene.issues[role] = made["issue_id"]
        initiatives[role] = made["id"]

    def delegate(truster: str, trustee: str | None, **where: int) -> None:
        body = {"trustee_id": members[trustee] if trustee else None, **where}
        setup.call(truster, "PUT", "/delegations", body)

    issue = scene.issues
    delegate("B", "C", area_id=area_id)
    delegate("C", "A", area_id=area_id)
    delegate("G", "F", area_id=area_id)
    delegate("H", "E", unit_id=unit_id)
    for who in ("B", "C"):
        setup.call(who, "PUT", f"/issues/{issue['open']}/interest")
    delegate("D", "A", issue_id=issue["open"])
    delegate("E", "F", issue_id=issue["open"])
    delegate("G", None, issue_id=issue["open"])
    delegate("H", "G", issue_id=issue["open"])
    delegate("E", "F", issue_id=issue["loop"])
    delegate("F", "E", issue_id=issue["loop"])
    delegate("D", "X", issue_id=issue["loop"])
    delegate("C", "B", issue_id=issue["voting"])
    delegate("C", "B", issue_id=issue["closed"])
    delegate("E", "F", issue_id=issue["closed"])
    setup.call("admin", "POST", f"/issues/{issue['canceled']}/cancel")

    setup.call("admin", "POST", "/admin/lifecycle/run")
    voting_started = time.monotonic()
    for role in ("voting", "closed"):
        assert setup.call("admin", "GET", f"/issues/{issue[role]}")["state"] == "voting"
        votes = {"votes": [{"initiative_id": initiatives[role], "grade": 1}]}
        setup.call("B", "PUT", f"/issues/{issue[role]}/ballot", votes)
    time.sleep(max(0.0, voting_started + QUICK_VOTE + 0.5 - time.monotonic()))
    for _ in range(20):
        setup.call("admin", "POST", "/admin/lifecycle/run")
        if setup.call("admin", "GET", f"/issues/{issue['closed']}")["state"] != "voting":
            break
        time.sleep(0.5)
    states = {r: setup.call("admin", "GET", f"/issues/{i}")["state"] for r, i in issue.items()}
    assert states == {
        "open": "admission",
        "loop": "admission",
        "canceled": "canceled_by_admin",
        "voting": "voting",
        "closed": "finished_with_winner",
    }, states
    return scene


class Viewers:
    """One browser context per viewer, logged in on first use; ``None`` is a visitor who is not
    logged in (``PUBLIC_ACCESS=pseudonym`` lets visitors see member pages and chains)."""

    def __init__(self, browser: Browser, server: LiveServer) -> None:
        self.browser = browser
        self.server = server
        self.people: dict[str | None, Person] = {}

    def __call__(self, name: str | None) -> Person:
        if name not in self.people:
            person = Person(self.browser, self.server, name or "visitor")
            if name is not None:
                person.log_in()
            self.people[name] = person
        return self.people[name]

    def close(self) -> None:
        for person in self.people.values():
            person.context.close()


@pytest.fixture(scope="module")
def viewers(browser: Browser, scene: Scene) -> Iterator[Viewers]:
    made = Viewers(browser, scene.server)
    try:
        yield made
    finally:
        made.close()


@dataclass(frozen=True)
class ChainCase:
    viewer: str | None  # None: a visitor, not logged in
    member: str
    where: str  # an issue role, "area" or "unit"
    kind: str
    ends_at: str | None
    text: str
    audit: bool = False


CASES: dict[str, ChainCase] = {
    # Open issue (admission): interest is participation, shown to everyone.
    "direct": ChainCase(
        "B",
        "B",
        "open",
        "direct",
        "B",
        "B takes part directly: B's own vote counts, and B's area delegation does not apply.",
        audit=True,
    ),
    "delegated": ChainCase(
        "D", "D", "open", "delegated", "A", "D's vote goes to A, who takes part directly."
    ),
    "delegated_seen_by_a_visitor": ChainCase(
        None, "D", "open", "delegated", "A", "D's vote goes to A, who takes part directly."
    ),
    "pending": ChainCase(
        "E",
        "E",
        "open",
        "pending",
        "F",
        "E's vote goes to F, who has not taken part directly (yet) and delegates no further.",
    ),
    "pending_without_delegation": ChainCase(
        "F",
        "F",
        "open",
        "pending",
        "F",
        "F has no delegation here and has not taken part directly (yet): F's vote counts only if"
        " they do.",
    ),
    "blocked": ChainCase(
        "G",
        "G",
        "open",
        "blocked",
        "G",
        'G chose "no delegation here" for this issue: G\'s vote counts only if G takes part'
        " directly.",
    ),
    "blocked_further_on": ChainCase(
        "H",
        "H",
        "open",
        "blocked",
        "G",
        'H\'s vote goes to G, who chose "no delegation here": it counts only if G or someone'
        " earlier on this chain takes part directly.",
    ),
    "cycle": ChainCase(
        "E",
        "E",
        "loop",
        "cycle",
        None,
        "E's delegations run in a loop in which nobody takes part directly (yet): unless someone"
        " in it does, E's vote carries nothing.",
        audit=True,
    ),
    "dead_end": ChainCase(
        "D",
        "D",
        "loop",
        "dead_end",
        "X",
        "D's vote goes to X, who has no voting right in this unit: it is lost there unless"
        " someone earlier on this chain takes part directly.",
    ),
    "dead_end_at_oneself": ChainCase(
        "X",
        "X",
        "loop",
        "dead_end",
        "X",
        "X has no voting right in this unit, so X has no vote in this issue.",
    ),
    # Voting: only a member asking about their own chain sees their own ballot.
    "direct_in_voting": ChainCase(
        "B",
        "B",
        "voting",
        "direct",
        "B",
        "B takes part directly: B's own vote counts, and B's area delegation does not apply.",
    ),
    "hidden_behind_the_delegate": ChainCase(
        "C",
        "C",
        "voting",
        "hidden",
        "B",
        "C's vote goes to B; whether B or anyone after B on this chain has voted is not shown"
        " while voting is open.",
        audit=True,
    ),
    "hidden_from_another_member": ChainCase(
        "B",
        "C",
        "voting",
        "hidden",
        "C",
        "Whether C or anyone on this chain has voted is not shown while voting is open.",
    ),
    "hidden_from_a_visitor": ChainCase(
        None,
        "C",
        "voting",
        "hidden",
        "C",
        "Whether C or anyone on this chain has voted is not shown while voting is open.",
    ),
    # Area and unit chains say only where the delegations lead.
    "area": ChainCase(
        "B", "B", "area", "scope_only", "A", "In this area, B's vote goes to A.", audit=True
    ),
    "unit": ChainCase("H", "H", "unit", "scope_only", "E", "In this unit, H's vote goes to E."),
    "canceled": ChainCase(
        "G",
        "G",
        "canceled",
        "scope_only",
        "F",
        "This issue was canceled and no vote was counted; by the current delegations, G's vote"
        " goes to F.",
    ),
    # A closed issue replays its stored result.
    "closed_counted_through": ChainCase(
        "C", "C", "closed", "delegated", "B", "C's vote was counted through B.", audit=True
    ),
    "closed_direct": ChainCase(
        "B", "B", "closed", "direct", "B", "B voted directly: B's own vote was counted."
    ),
    "closed_lost": ChainCase(
        "E", "E", "closed", "lost", None, "E's vote was not counted in this issue.", audit=True
    ),
}


def _context(scene: Scene, where: str) -> dict[str, int]:
    if where == "area":
        return {"area_id": scene.area_id}
    if where == "unit":
        return {"unit_id": scene.unit_id}
    return {"issue_id": scene.issues[where]}


def _open_chain(person: Person, scene: Scene, case: ChainCase, artifacts: Path) -> None:
    """Reach the chain page as a member would: their own chain from the page it belongs to,
    another member's chain (or any chain for a visitor) by its address."""
    page = person.page
    context = _context(scene, case.where)
    member_id = scene.members[case.member]
    own = case.viewer == case.member
    if not own:
        query = "&".join(f"{k}={v}" for k, v in {"member_id": member_id, **context}.items())
        page.goto(f"/chain?{query}")
    elif case.where == "unit":
        page.goto("/")
        page.get_by_role("link", name=f"Where does my vote go in {UNIT}?").click()
    elif case.where == "area":
        page.goto(f"/areas/{scene.area_id}")
        page.get_by_role("link", name="Where does my vote go in this area?").click()
    else:
        page.goto(f"/issues/{context['issue_id']}")
        if case.audit and case.where == "open":
            audit(page, artifacts, "chain-issue")
        if case.where == "closed":
            _results_agree(person, case)
        page.get_by_role("link", name="Where does my vote go?").click()
    key, value = next(iter(context.items()))
    expect(page).to_have_url(re.compile(rf"/chain\?member_id={member_id}&{key}={value}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Where {case.member}'s vote goes")


def _results_agree(person: Person, case: ChainCase) -> None:
    """The closed issue's results, on the page the member opens their chain from, say what the
    replayed chain will: a direct voter, counted through a voter, or in neither table (lost)."""
    results = person.page.get_by_role("region", name="Results")
    direct = results.get_by_role("table", name="Direct voters")
    delegating = results.get_by_role("table", name="Delegating voters")
    expect(direct).to_be_visible()
    expect(delegating).to_be_visible()
    if case.kind == "direct":
        expect(member_row(direct, case.member)).to_have_count(1)
    elif case.kind == "delegated":
        went_through = member_row(delegating, case.member).get_by_role("cell").nth(3)
        expect(went_through).to_have_text(case.ends_at or "")
    else:
        expect(member_row(direct, case.member)).to_have_count(0)
        expect(member_row(delegating, case.member)).to_have_count(0)


@pytest.mark.parametrize("name", list(CASES))
def test_the_chain_page_and_the_api_say_the_same_true_thing(
    scene: Scene, viewers: Viewers, artifacts: Path, name: str
) -> None:
    case = CASES[name]
    person = viewers(case.viewer)
    _open_chain(person, scene, case, artifacts)
    page = person.page
    sentence = (page.locator("p.explain").text_content() or "").strip()
    params = {"member_id": scene.members[case.member], **_context(scene, case.where)}
    with scene.api(case.viewer) as api:
        response = api.get("/delegation-chain", params=params)
    assert response.status_code == 200, response.text
    answer = response.json()
    ends_at = scene.members[case.ends_at] if case.ends_at else None
    assert answer["outcome"] == {"kind": case.kind, "member_id": ends_at, "text": case.text}
    assert sentence == answer["outcome"]["text"]
    steps = page.locator("ol.chain > li").get_by_role("link")
    names = {member_id: n for n, member_id in scene.members.items()}
    expect(steps).to_have_text([names[row["member_id"]] for row in answer["items"]])
    if case.audit:
        audit(page, artifacts, f"chain-{name.replace('_', '-')}")
    assert not person.failures, person.failures
