"""Signed webhooks (issue 14, item 3): registration, delivery, order, retries, disabling, no SSRF.

The endpoint is a real HTTP server on a loopback port (``http.server`` in a thread); names are
resolved by a stub (no real DNS); signatures are verified with the ``standardwebhooks`` package.
Reaching the loopback receiver needs ``WEBHOOK_ALLOW_PRIVATE=true`` (the ``allow_private``
fixture); the tests of refusals run without it.
"""

import ipaddress
import json
import shutil
import ssl
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from standardwebhooks import Webhook as Verifier

from app.db import Database
from app.main import create_app
from app.webhooks.address import non_public
from app.webhooks.deliver import Pass, deliver_pass
from proposals.clock import FrozenClock
from proposals.services import webhooks
from tests.api.world import World, build_world
from tests.conftest import settings_for_tests
from tests.factories import bearer, make_area, make_token
from tests.webhook_receiver import Receiver, serving

PUBLIC = "93.184.215.14"
"""A public address the stub resolver may answer (nothing ever connects to it)."""


@pytest.fixture
def receiver(webhook_receiver: Receiver) -> Receiver:
    return webhook_receiver


class StubResolver:
    """Names to addresses, changeable during a test; counts every lookup."""

    def __init__(self) -> None:
        self.names: dict[str, list[str]] = {"receiver.test": ["127.0.0.1"]}
        self.lookups: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        if host not in self.names:
            raise OSError(f"stub resolver: unknown name {host}")
        return list(self.names[host])


@pytest.fixture
def resolver() -> StubResolver:
    return StubResolver()


@pytest.fixture
def allow_private() -> bool:
    return True


@pytest.fixture
def app(db: Database, clock: FrozenClock, resolver: StubResolver, allow_private: bool) -> FastAPI:
    settings = settings_for_tests(webhook_allow_private=allow_private, webhook_timeout=5)
    return create_app(settings, database=db, clock=clock, resolver=resolver)


@pytest.fixture
def world(client: TestClient, db: Database, clock: FrozenClock) -> World:
    return build_world(client, db, clock, ["alice", "bob"])


def run_pass(world: World, app: FastAPI, resolver: StubResolver) -> Pass:
    return deliver_pass(world.db, app.state.settings, clock=world.clock, resolver=resolver)


def register(world: World, who: str, url: str, **body: Any) -> dict[str, Any]:
    result: dict[str, Any] = world.ok("POST", "/webhooks", who, json={"url": url, **body})
    return result


def hook_url(receiver: Receiver, path: str = "/hook") -> str:
    return f"http://receiver.test:{receiver.port}{path}"


def deliveries(world: World, who: str, webhook_id: int) -> list[dict[str, Any]]:
    return world.all_items(f"/webhooks/{webhook_id}/deliveries", who)


class TestDelivery:
    def test_every_public_event_after_registration_signed_in_feed_order(
        self, world: World, app: FastAPI, resolver: StubResolver, receiver: Receiver
    ) -> None:
        world.propose("bob", "Before")  # before registration: never sent
        before = {e["id"] for e in world.all_items("/events", "alice")}
        hook = register(world, "alice", hook_url(receiver))
        assert hook["secret"].startswith("whsec_")
        assert hook["active"] is True
        after = world.propose("bob", "After")
        world.suggest("alice", after["id"])
        world.delegate("alice", "bob")
        expected = [e for e in world.all_items("/events", "alice") if e["id"] not in before]
        assert before and len(expected) >= 3

        done = run_pass(world, app, resolver)

        assert (done.queued, done.delivered, done.failed) == (len(expected), len(expected), 0)
        assert receiver.bodies() == expected  # the feed items exactly, in feed order
        verifier = Verifier(hook["secret"])
        for request in receiver.received:
            assert verifier.verify(request.body, request.headers) is not None
            assert request.path == "/hook"
            assert request.headers["Host"] == f"receiver.test:{receiver.port}"
            assert request.headers["Content-Type"] == "application/json"
        ids = [r.headers["webhook-id"] for r in receiver.received]
        assert len(set(ids)) == len(ids)
        # One lookup per attempt (at registration, then before each delivery): the connection
        # went to the address checked, not to a second answer.
        assert resolver.lookups == ["receiver.test"] * (1 + len(expected))
        rows = deliveries(world, "alice", hook["id"])
        assert [d["event_id"] for d in rows] == [e["id"] for e in expected]
        assert all(d["attempts"] == 1 and d["last_status"] == 200 for d in rows)
        assert all(d["delivered_at"] and d["next_attempt_at"] is None for d in rows)
        assert run_pass(world, app, resolver) == Pass()  # nothing twice

    def test_filters_by_event_type_unit_and_area(
        self, world: World, app: FastAPI, resolver: StubResolver, receiver: Receiver
    ) -> None:
        other = make_area(world.db, _unit(world), name="Other")
        by_type = register(
            world, "alice", hook_url(receiver, "/type"), event_types=["initiative_created"]
        )
        by_area = register(world, "alice", hook_url(receiver, "/area"), area_id=other.id)
        by_unit = register(world, "alice", hook_url(receiver, "/unit"), unit_id=world.unit_id)
        world.propose("bob", "Here")
        world.delegate("alice", "bob")  # a unit delegation: no area

        run_pass(world, app, resolver)

        feed = world.all_items("/events", "alice")
        sent = {path: [] for path in ("/type", "/area", "/unit")}  # type: dict[str, list[Any]]
        for request in receiver.received:
            sent[request.path].append(json.loads(request.body))
        assert sent["/type"] == [e for e in feed if e["type"] == "initiative_created"]
        assert sent["/type"]
        assert sent["/area"] == []
        assert sent["/unit"] == [e for e in feed if e["unit_id"] == world.unit_id]
        assert {e["type"] for e in sent["/unit"]} >= {"initiative_created", "delegation_changed"}
        assert by_type["event_types"] == ["initiative_created"]
        assert (by_area["area_id"], by_unit["unit_id"]) == (other.id, world.unit_id)

    def test_a_failed_event_is_retried_with_backoff_and_blocks_later_ones(
        self, world: World, app: FastAPI, resolver: StubResolver, receiver: Receiver
    ) -> None:
        hook = register(world, "alice", hook_url(receiver))
        world.propose("bob", "One")
        world.propose("bob", "Two")
        receiver.plan = [500]

        first = run_pass(world, app, resolver)

        assert (first.delivered, first.failed) == (0, 1)
        assert len(receiver.received) == 1  # the later events wait behind the failed one
        rows = deliveries(world, "alice", hook["id"])
        head = rows[0]
        assert (head["attempts"], head["last_status"], head["delivered_at"]) == (1, 500, None)
        assert head["next_attempt_at"] == _iso(world.clock.now + timedelta(seconds=30))
        assert all(r["attempts"] == 0 for r in rows[1:])

        assert run_pass(world, app, resolver).delivered == 0  # not due yet
        assert len(receiver.received) == 1
        world.clock.advance(30)
        again = run_pass(world, app, resolver)

        assert (again.delivered, again.failed) == (len(rows), 0)
        sent = receiver.received
        assert sent[0].headers["webhook-id"] == sent[1].headers["webhook-id"]  # the same message
        assert sent[0].body == sent[1].body
        assert [json.loads(r.body)["id"] for r in sent[1:]] == [r["event_id"] for r in rows]
        head = deliveries(world, "alice", hook["id"])[0]
        assert (head["attempts"], head["last_status"]) == (2, 200)

    def test_an_endpoint_failing_for_a_day_is_disabled_and_its_owner_told(
        self, world: World, app: FastAPI, resolver: StubResolver, receiver: Receiver
    ) -> None:
        hook = register(world, "alice", hook_url(receiver))
        world.propose("bob", "One")
        receiver.always = 503
        started = world.clock.now
        waits = []
        while world.ok("GET", f"/webhooks/{hook['id']}", "alice")["active"]:
            assert run_pass(world, app, resolver).delivered == 0
            head = deliveries(world, "alice", hook["id"])[0]
            waits.append(_parse(head["next_attempt_at"]) - world.clock.now)
            world.clock.advance(waits[-1].total_seconds())
            assert world.clock.now - started < timedelta(days=2)
        disabled_after = world.clock.now - started - waits[-1]

        assert timedelta(days=1) <= disabled_after < timedelta(days=1, hours=1, minutes=1)
        seconds = [int(w.total_seconds()) for w in waits]
        assert seconds[:8] == [30, 60, 120, 240, 480, 960, 1920, 3600]  # exponential, capped
        assert set(seconds[8:]) == {3600}
        notes = world.all_items("/members/me/notifications", "alice")
        assert [n["kind"] for n in notes].count("webhook_disabled") == 1
        assert not [
            n for n in world.all_items("/members/me/notifications", "bob") if "webhook" in n["kind"]
        ]
        tried = len(receiver.received)
        world.propose("bob", "Two")
        world.clock.advance(86400)
        assert run_pass(world, app, resolver) == Pass()  # a disabled endpoint gets nothing
        assert len(receiver.received) == tried


REFUSED = (
    "127.0.0.1",
    "127.1.2.3",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "0.0.0.0",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "::1",
    "::",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "ff02::1",
    "ff0e::1",
    "2001:db8::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:1",
    "2002:7f00:1::1",
)
"""One address of every non-public kind: loopback, private, shared, link-local, unspecified,
multicast, reserved, documentation; IPv6 alike, and IPv4 inside IPv6 (mapped, NAT64, 6to4)."""


class TestClaims:
    def test_a_webhook_claimed_by_another_pass_waits_for_its_lease(
        self, world: World, app: FastAPI, resolver: StubResolver, receiver: Receiver
    ) -> None:
        """Two passes (the server's loop and ``liquidpolicy deliver``, or two workers) never
        send to one webhook at once: the second skips a webhook the first holds."""
        hook = register(world, "alice", hook_url(receiver))
        world.propose("bob", "One")
        with world.db.session(write=True) as session:  # another pass claims it, then stalls
            webhooks.queue_new_events(session, now=world.clock.now)
            assert webhooks.claim_due(session, now=world.clock.now) == [hook["id"]]
            session.commit()

        assert run_pass(world, app, resolver) == Pass()
        assert receiver.received == []
        world.clock.advance(webhooks.LEASE.total_seconds())  # its lease runs out
        assert run_pass(world, app, resolver).delivered == 1
        assert len(receiver.received) == 1


class TestOwner:
    def test_nothing_is_sent_for_a_deactivated_member(
        self, world: World, app: FastAPI, resolver: StubResolver, receiver: Receiver
    ) -> None:
        register(world, "alice", hook_url(receiver))
        world.propose("bob", "One")
        deactivate = {"active": False}
        answer = world.client.patch(
            f"/api/v1/members/{world.id('alice')}", json=deactivate, headers=world.admin
        )
        assert answer.status_code == 200, answer.text

        assert run_pass(world, app, resolver).delivered == 0
        assert receiver.received == []


class TestNoSsrf:
    @pytest.fixture
    def allow_private(self) -> bool:
        return False

    @pytest.mark.parametrize("address", REFUSED)
    def test_a_name_resolving_to_a_non_public_address_is_refused(
        self, world: World, resolver: StubResolver, address: str
    ) -> None:
        resolver.names["inside.test"] = [address]
        answer = world.call("POST", "/webhooks", "alice", json={"url": "http://inside.test/h"})
        assert answer.status_code == 422, answer.text
        assert "non-public" in answer.json()["detail"]

    @pytest.mark.parametrize(
        "address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fe80::1", "::ffff:10.0.0.1"]
    )
    def test_a_non_public_address_in_the_url_is_refused(
        self, world: World, resolver: StubResolver, address: str
    ) -> None:
        host = f"[{address}]" if ":" in address else address
        answer = world.call("POST", "/webhooks", "alice", json={"url": f"https://{host}:8443/"})
        assert answer.status_code == 422, answer.text
        assert resolver.lookups == []  # an address is not looked up

    @pytest.mark.parametrize(
        "url",
        [
            "ftp://public.test/",
            "file:///etc/passwd",
            "http://user:pw@public.test/",
            "http:///nohost",
            "http://public.test:99999/",
            "http://unknown.test/",  # does not resolve
            "http://mixed.test/",  # one public and one private address
            "not a url",
            "http://public.test/a b",
            "http://public.test/\u00e4",
            "http://public.test/\r\nX-Injected: 1",
        ],
    )
    def test_other_unusable_urls_are_refused(
        self, world: World, resolver: StubResolver, url: str
    ) -> None:
        resolver.names["public.test"] = [PUBLIC]
        resolver.names["mixed.test"] = [PUBLIC, "10.1.2.3"]
        assert world.status("POST", "/webhooks", "alice", json={"url": url}) == 422
        assert world.ok("GET", "/webhooks", "alice")["items"] == []

    def test_a_public_address_is_accepted(self, world: World, resolver: StubResolver) -> None:
        resolver.names["public.test"] = [PUBLIC, "2606:4700::1"]
        hook = register(world, "alice", "https://public.test/hooks?x=1")
        assert hook["url"] == "https://public.test/hooks?x=1"

    @pytest.mark.parametrize(
        "address",
        [
            "127.0.0.1",
            "10.0.0.1",
            "169.254.169.254",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "::ffff:7f00:1",
        ],
    )
    def test_a_name_that_resolves_to_a_private_address_later_is_not_sent_to(
        self,
        world: World,
        app: FastAPI,
        resolver: StubResolver,
        receiver: Receiver,
        address: str,
    ) -> None:
        resolver.names["rebind.test"] = [PUBLIC]
        hook = register(world, "alice", f"http://rebind.test:{receiver.port}/hook")
        world.propose("bob", "One")
        resolver.names["rebind.test"] = [address]  # 127.0.0.1: where the receiver listens

        done = run_pass(world, app, resolver)

        assert (done.delivered, done.failed) == (0, 1)
        assert receiver.received == []
        head = deliveries(world, "alice", hook["id"])[0]
        assert (head["attempts"], head["last_status"]) == (1, None)
        assert head["last_error"].startswith("refused:")
        assert address in head["last_error"]


class TestNonPublic:
    """The address rule alone (no database): every kind is named."""

    @pytest.mark.parametrize(
        ("address", "kind"),
        [
            ("127.0.0.1", "loopback"),
            ("::1", "loopback"),
            ("10.0.0.1", "private"),
            ("fd00::1", "private"),
            ("169.254.169.254", "link-local"),
            ("fe80::1", "link-local"),
            ("224.0.0.1", "multicast"),
            ("ff0e::1", "multicast"),
            ("240.0.0.1", "reserved"),
            ("0.0.0.0", "unspecified"),
            ("100.64.0.1", "not a public"),
            ("::ffff:127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("2002:0a00:0001::1", "private"),
        ],
    )
    def test_names_why(self, address: str, kind: str) -> None:
        reason = non_public(ipaddress.ip_address(address))
        assert reason is not None and kind in reason

    @pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111"])
    def test_public_addresses_pass(self, address: str) -> None:
        assert non_public(ipaddress.ip_address(address)) is None


class TestHttps:
    def test_tls_names_the_host_while_connecting_to_the_checked_address(
        self,
        world: World,
        app: FastAPI,
        resolver: StubResolver,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Over https the connection goes to the address checked (127.0.0.1) and TLS names the
        URL's host: SNI and the certificate check say ``receiver.test``; a certificate for
        another name fails."""
        if shutil.which("openssl") is None:
            pytest.skip("the openssl command is needed to make a test certificate")
        cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
        command = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        command += " -days 2 -subj /CN=receiver.test -addext subjectAltName=DNS:receiver.test"
        subprocess.run(
            [*command.split(), "-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the sender trusts this certificate
        names: list[str | None] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        context.sni_callback = lambda _socket, name, _context: names.append(name)
        resolver.names["other.test"] = ["127.0.0.1"]
        with serving(context) as tls_receiver:
            good = register(world, "alice", f"https://receiver.test:{tls_receiver.port}/tls")
            bad = register(world, "alice", f"https://other.test:{tls_receiver.port}/tls")
            world.propose("bob", "One")

            done = run_pass(world, app, resolver)

        assert (done.delivered, done.failed) == (1, 1)
        assert "receiver.test" in names and "other.test" in names
        [request] = tls_receiver.received
        Verifier(good["secret"]).verify(request.body, request.headers)
        assert request.headers["Host"] == f"receiver.test:{tls_receiver.port}"
        failed = deliveries(world, "alice", bad["id"])[0]
        assert failed["last_status"] is None
        assert "certificate" in failed["last_error"].lower()


class TestNoRedirects:
    def test_a_redirect_is_a_failed_attempt_and_not_followed(
        self, world: World, app: FastAPI, resolver: StubResolver, receiver: Receiver
    ) -> None:
        hook = register(world, "alice", hook_url(receiver))
        world.propose("bob", "One")
        receiver.always = 302

        done = run_pass(world, app, resolver)

        assert (done.delivered, done.failed) == (0, 1)
        assert [r.path for r in receiver.received] == ["/hook"]
        head = deliveries(world, "alice", hook["id"])[0]
        assert (head["last_status"], head["delivered_at"]) == (302, None)
        assert "redirect" in head["last_error"]


class TestRegistration:
    def test_a_retried_creation_is_409_and_shows_no_secret(
        self, world: World, receiver: Receiver
    ) -> None:
        headers = {**world.headers["alice"], "Idempotency-Key": "hook-1"}
        body = {"url": hook_url(receiver)}
        first = world.client.post("/api/v1/webhooks", json=body, headers=headers)
        again = world.client.post("/api/v1/webhooks", json=body, headers=headers)
        assert first.status_code == 201, first.text
        assert again.status_code == 409, again.text
        assert first.json()["secret"] not in again.text
        assert f"webhook {first.json()['id']}" in again.json()["detail"]
        listed = world.ok("GET", "/webhooks", "alice")["items"]
        assert [h["id"] for h in listed] == [first.json()["id"]]
        assert listed[0]["secret"] is None

    def test_each_member_sees_only_their_own(self, world: World, receiver: Receiver) -> None:
        hook = register(world, "alice", hook_url(receiver))
        path = f"/webhooks/{hook['id']}"
        assert world.ok("GET", "/webhooks", "bob")["items"] == []
        assert world.status("GET", path, "bob") == 404
        assert world.status("GET", f"{path}/deliveries", "bob") == 404
        assert world.status("DELETE", path, "bob") == 404
        mine = world.ok("GET", path, "alice")
        assert mine == {**hook, "secret": None}
        assert world.status("DELETE", path, "alice") == 204
        assert world.status("GET", path, "alice") == 404

    def test_needs_the_write_scope(self, world: World, receiver: Receiver) -> None:
        reader = bearer(make_token(world.db, _member(world, "alice"), scopes=["read"]))
        answer = world.client.post(
            "/api/v1/webhooks", json={"url": hook_url(receiver)}, headers=reader
        )
        assert answer.status_code == 403
        assert world.client.get("/api/v1/webhooks", headers=reader).status_code == 403
        assert world.client.get("/api/v1/webhooks").status_code == 401

    def test_unknown_event_type_and_unit_are_refused(
        self, world: World, receiver: Receiver
    ) -> None:
        url = hook_url(receiver)
        bad_type = {"url": url, "event_types": ["nonsense"]}
        assert world.status("POST", "/webhooks", "alice", json=bad_type) == 422
        assert world.status("POST", "/webhooks", "alice", json={"url": url, "unit_id": 9999}) == 404


def _iso(moment: Any) -> str:
    return str(moment.isoformat().replace("+00:00", "Z"))


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _unit(world: World) -> Any:
    from proposals.models import Unit

    with world.db.session() as session:
        return session.get(Unit, world.unit_id)


def _member(world: World, name: str) -> Any:
    from proposals.models import Member

    with world.db.session() as session:
        return session.get(Member, world.id(name))
