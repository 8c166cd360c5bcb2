"""A closed issue's results page in a real browser (issue 10, item 10): the sentence saying why
the issue ended, the majority each initiative needed and got, and the inline SVG pictures with
their text alternative — under the page's Content-Security-Policy, at 1280 and 390 px.

The closed issue is made through the API of the seeded ``live_server`` (a policy of its own with a
voting time of two seconds, so the test need not wait for the journey's ``VOTING_TIME``)."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.browser.audit import audit
from tests.browser.conftest import LiveServer
from tests.factories import PASSWORD

VOTING = 2


def _client(server: LiveServer, name: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base_url + "/api/v1", timeout=10)
    token = client.post("/auth/token", data={"username": name, "password": PASSWORD})
    assert token.status_code == 200, token.text
    client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return client


def _ok(response: httpx.Response) -> Any:
    assert response.status_code < 300, (response.request.url, response.status_code, response.text)
    return response.json() if response.content else None


def _closed_issue(server: LiveServer) -> tuple[int, int, int]:
    """Two initiatives, voted on by A, B and C and closed: (issue, first, second)."""
    names = (server.admin, "A", "B", "C")
    api = {name: _client(server, name) for name in names}
    try:
        admin = api[server.admin]
        area = _ok(admin.get("/areas"))["items"][0]
        policy = _ok(
            admin.post(
                "/policies",
                json={
                    "name": "Quick vote",
                    "min_admission_time": 0,
                    "max_admission_time": 3600,
                    "discussion_time": 0,
                    "verification_time": 0,
                    "voting_time": VOTING,
                    "issue_quorum_num": 1,
                    "issue_quorum_den": 100,
                    "initiative_quorum_num": 1,
                    "initiative_quorum_den": 100,
                },
            )
        )
        first = _ok(
            api["A"].post(
                "/initiatives",
                json={
                    "area_id": area["id"],
                    "policy_id": policy["id"],
                    "name": "Night trains to the coast",
                    "content": "Run night trains.",
                },
            )
        )
        issue_id = first["issue_id"]
        second = _ok(
            api["B"].post(
                "/initiatives",
                json={"issue_id": issue_id, "name": "More buses", "content": "Buses."},
            )
        )
        _ok(api["A"].put(f"/initiatives/{first['id']}/support"))
        _ok(api["B"].put(f"/initiatives/{second['id']}/support"))
        _ok(admin.post("/admin/lifecycle/run"))
        assert _ok(admin.get(f"/issues/{issue_id}"))["state"] == "voting"
        voting_started = time.monotonic()
        for name, grades in (
            ("A", {first["id"]: 2, second["id"]: 1}),
            ("B", {first["id"]: 1, second["id"]: -1}),
            ("C", {first["id"]: -1, second["id"]: -1}),
        ):
            votes = [{"initiative_id": i, "grade": g} for i, g in grades.items()]
            _ok(api[name].put(f"/issues/{issue_id}/ballot", json={"votes": votes}))
        time.sleep(max(0.0, voting_started + VOTING + 0.5 - time.monotonic()))
        for _ in range(10):
            _ok(admin.post("/admin/lifecycle/run"))
            if _ok(admin.get(f"/issues/{issue_id}"))["state"] != "voting":
                break
            time.sleep(0.5)
        assert _ok(admin.get(f"/issues/{issue_id}"))["state"] == "finished_with_winner"
        return issue_id, first["id"], second["id"]
    finally:
        for client in api.values():
            client.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server.base_url)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_results_page(page: Page, live_server: LiveServer, artifacts: Path) -> None:
    issue_id, _, _ = _closed_issue(live_server)
    blocked: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            blocked.append(message.text)

    page.on("console", watch)
    response = page.goto(f"/issues/{issue_id}")
    assert response is not None and response.status == 200

    results = page.get_by_role("region", name="Results")
    expect(results.locator("#result-why")).to_have_text(
        "Night trains to the coast won: it reached the required majority (more than 1/2"
        " approval: got 2 of 3, 66 %) and ranked best by the Schulze method among the"
        " initiatives that met every condition of the policy."
    )
    bars = results.get_by_role("img", name="Approval, disapproval and abstention per initiative")
    expect(bars).to_be_visible()
    expect(bars.locator("desc")).to_have_text(
        "Night trains to the coast: 2 approve, 1 disapprove, 0 abstain of 3; needed more than"
        " 1/2 approval: got 2 of 3, 66 %. More buses: 1 approve, 2 disapprove, 0 abstain of 3;"
        " needed more than 1/2 approval: got 1 of 3, 33 %."
    )
    ranking = results.get_by_role("img", name="Schulze ranking, best first")
    expect(ranking.locator("text")).to_have_text(
        ["1. Night trains to the coast", "2. Status quo", "3. More buses"]
    )
    table = results.get_by_role("table", name="Each initiative's votes")
    row = table.get_by_role("row").filter(has_text="More buses")
    expect(row.get_by_role("cell")).to_have_text(["1", "2", "0", "1 of 3, 33 % (not reached)", "3"])

    # The bars fit a phone: the picture scales with the page, never wider than it.
    page.set_viewport_size({"width": 390, "height": 844})
    box = bars.bounding_box()
    assert box is not None and 0 < box["width"] <= 390
    page.set_viewport_size({"width": 1280, "height": 900})

    audit(page, artifacts, "results")
    assert blocked == [], blocked
