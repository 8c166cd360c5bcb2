"""The SMTP sender (app/mail/send.py) against a real SMTP server (aiosmtpd), on both backends."""

import smtplib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from app.db import Database
from app.mail.links import unsubscribe_url
from app.mail.send import build_message, send_due
from app.mail.smtp_url import parse_smtp_url
from app.settings import Settings
from proposals.clock import FrozenClock
from proposals.models import EmailMessage, Member, NotificationSettings
from proposals.services import outbox
from tests.conftest import settings_for_tests
from tests.factories import NOW, make_member
from tests.smtp import DROP, Certificate, SmtpServer, closed_port_url, make_certificate


def mail_settings(smtp_url: str) -> Settings:
    return settings_for_tests(
        smtp_url=smtp_url,
        public_url="https://lp.example.org",
        mail_from="Liquid Policy <lp@example.org>",
    )


def queue(db: Database, member: Member, *, kind: str = "notification") -> EmailMessage:
    assert member.id is not None and member.email is not None
    with db.session() as session:
        message = outbox.enqueue(
            session,
            member_id=member.id,
            kind=kind,
            to_address=member.email,
            subject="Voting has started",
            text_body="Voting on issue #1 has started.\n",
            html_body="<p>Voting on issue #1 has started.</p>\n",
            now=NOW,
            domain="lp.example.org",
        )
        session.commit()
        return message


def stored(db: Database, message: EmailMessage) -> EmailMessage:
    with db.session() as session:
        row = session.get(EmailMessage, message.id)
        assert row is not None
        return row


def member_settings(db: Database, member: Member) -> NotificationSettings | None:
    with db.session() as session:
        return session.get(NotificationSettings, member.id)


@pytest.fixture
def member(db: Database) -> Member:
    return make_member(db, email="ada@example.org")


class TestDelivery:
    def test_delivered_once_multipart_with_the_headers(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        message = queue(db, member)
        done = send_due(db, mail_settings(smtp_server.url), clock=clock)
        assert (done.sent, done.retried, done.failed) == (1, 0, 0)
        [received] = smtp_server.messages
        mime = received.message
        assert received.mail_from == "lp@example.org"
        assert received.rcpt_tos == ["ada@example.org"]
        assert mime.get_content_type() == "multipart/alternative"
        assert received.text == "Voting on issue #1 has started.\n"
        assert received.html == "<p>Voting on issue #1 has started.</p>\n"
        assert mime["From"] == "Liquid Policy <lp@example.org>"
        assert mime["To"] == "ada@example.org"
        assert mime["Subject"] == "Voting has started"
        assert mime["Message-ID"] == message.message_id
        assert mime["Date"].datetime == NOW
        assert mime["Auto-Submitted"] == "auto-generated"
        assert member.id is not None
        link = unsubscribe_url(mail_settings(smtp_server.url), member.id)
        assert link.startswith("https://lp.example.org/")
        assert mime["List-Unsubscribe"] == f"<{link}>"
        assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        # Regression: on the wire as is, never folded into RFC 2047 encoded words (a link of
        # over 78 characters was, and mail clients then find no link to offer).
        assert f"\r\nList-Unsubscribe: <{link}>\r\n".encode() in received.raw
        row = stored(db, message)
        assert row.sent_at == NOW and row.attempts == 1 and row.claimed_until is None
        # Nothing is sent twice.
        clock.advance(3600)
        assert send_due(db, mail_settings(smtp_server.url), clock=clock).sent == 0
        assert len(smtp_server.messages) == 1

    def test_one_pass_sends_everything_due_over_one_connection(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        other = make_member(db, email="bob@example.org")
        count = outbox.CLAIM_LIMIT + 2  # more than one claim
        for index in range(count):
            queue(db, other if index == 1 else member)
        connections: list[object] = []
        real_connect = smtplib.SMTP.connect

        def counting(self: smtplib.SMTP, *args: Any, **kwargs: Any) -> Any:
            connections.append(self)
            return real_connect(self, *args, **kwargs)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(smtplib.SMTP, "connect", counting)
            assert send_due(db, mail_settings(smtp_server.url), clock=clock).sent == count
        assert len(connections) == 1
        recipients = [r.rcpt_tos[0] for r in smtp_server.messages]
        assert recipients.count("bob@example.org") == 1 and len(recipients) == count

    def test_a_verification_carries_no_unsubscribe_link(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        queue(db, member, kind="verification")
        send_due(db, mail_settings(smtp_server.url), clock=clock)
        [received] = smtp_server.messages
        assert received.message["List-Unsubscribe"] is None
        assert received.message["List-Unsubscribe-Post"] is None

    def test_without_smtp_url_nothing_is_claimed(
        self, db: Database, clock: FrozenClock, member: Member
    ) -> None:
        message = queue(db, member)
        assert send_due(db, settings_for_tests(), clock=clock).sent == 0
        row = stored(db, message)
        assert row.claimed_until is None and row.attempts == 0


class TestTemporaryFailures:
    def test_451_then_accepted_after_the_backoff(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        message = queue(db, member)
        settings = mail_settings(smtp_server.url)
        smtp_server.reply("451 4.3.0 Try again later")
        assert send_due(db, settings, clock=clock).retried == 1
        row = stored(db, message)
        assert row.attempts == 1 and row.sent_at is None and row.failed_at is None
        assert row.next_attempt_at == NOW + timedelta(minutes=1)
        assert row.last_error is not None and row.last_error.startswith("451")
        # Not due yet: the server sees nothing.
        clock.advance(30)
        assert send_due(db, settings, clock=clock).sent == 0
        assert len(smtp_server.attempts) == 1
        clock.advance(30)
        assert send_due(db, settings, clock=clock).sent == 1
        assert [r.message["Message-ID"] for r in smtp_server.messages] == [message.message_id]
        row = stored(db, message)
        assert row.attempts == 2 and row.sent_at == clock()

    @pytest.mark.parametrize("answer", ["421 4.3.2 Shutting down", DROP])
    def test_a_lost_connection_is_temporary_and_the_pass_reconnects(
        self,
        db: Database,
        clock: FrozenClock,
        smtp_server: SmtpServer,
        member: Member,
        answer: str,
    ) -> None:
        first, second = queue(db, member), queue(db, member)
        smtp_server.reply(answer)
        done = send_due(db, mail_settings(smtp_server.url), clock=clock)
        assert (done.sent, done.retried) == (1, 1)
        assert stored(db, first).next_attempt_at == NOW + timedelta(minutes=1)
        assert stored(db, second).sent_at == NOW
        [received] = smtp_server.messages
        assert received.message["Message-ID"] == second.message_id

    def test_server_down_is_temporary(
        self, db: Database, clock: FrozenClock, member: Member
    ) -> None:
        message = queue(db, member)
        done = send_due(db, mail_settings(closed_port_url()), clock=clock)
        assert (done.sent, done.retried, done.failed) == (0, 1, 0)
        row = stored(db, message)
        assert row.attempts == 1 and row.failed_at is None and row.sent_at is None
        assert row.last_error is not None and "Connection" in row.last_error
        assert row.next_attempt_at == NOW + timedelta(minutes=1)
        assert member_settings(db, member) is None  # says nothing about the address

    def test_gives_up_after_the_last_attempt(
        self, db: Database, clock: FrozenClock, member: Member
    ) -> None:
        message = queue(db, member)
        settings = mail_settings(closed_port_url())
        for _ in range(outbox.MAX_ATTEMPTS):
            send_due(db, settings, clock=clock)
            clock.advance(outbox.BACKOFF_CAP.total_seconds())
        row = stored(db, message)
        assert row.attempts == outbox.MAX_ATTEMPTS and row.failed_at is not None

    def test_credentials_are_never_sent_in_clear(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        message = queue(db, member)
        logins: list[tuple[str, str]] = []
        url = f"smtp://user:s3cret@{smtp_server.host}:{smtp_server.port}"
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(smtplib.SMTP, "login", lambda self, u, p, **k: logins.append((u, p)))
            done = send_due(db, mail_settings(url), clock=clock)
        assert done.retried == 1
        assert logins == []
        assert smtp_server.attempts == []
        row = stored(db, message)
        assert row.sent_at is None and row.failed_at is None
        assert row.last_error is not None and "STARTTLS" in row.last_error


class TestTls:
    CREDENTIALS = ("lp@example.org", "s3cret")

    @pytest.fixture
    def certificate(self, tmp_path: Path) -> Certificate:
        return make_certificate(tmp_path)

    @contextmanager
    def server(self, certificate: Certificate, **options: Any) -> Iterator[SmtpServer]:
        server = SmtpServer(certificate, **options)
        server.start()
        try:
            yield server
        finally:
            server.stop()

    def url(self, server: SmtpServer, password: str = "s3cret") -> str:
        scheme = "smtps" if server.implicit_tls else "smtp"
        return f"{scheme}://lp%40example.org:{password}@{server.host}:{server.port}"

    @pytest.mark.parametrize("implicit_tls", [False, True], ids=["starttls", "smtps"])
    def test_logs_in_over_tls_only(
        self,
        db: Database,
        clock: FrozenClock,
        member: Member,
        certificate: Certificate,
        monkeypatch: pytest.MonkeyPatch,
        implicit_tls: bool,
    ) -> None:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
        queue(db, member)
        with self.server(
            certificate, implicit_tls=implicit_tls, credentials=self.CREDENTIALS
        ) as server:
            assert send_due(db, mail_settings(self.url(server)), clock=clock).sent == 1
        assert server.logins == [("lp@example.org", True)]
        [received] = server.messages
        assert received.over_tls

    def test_an_untrusted_certificate_gets_no_password(
        self, db: Database, clock: FrozenClock, member: Member, certificate: Certificate
    ) -> None:
        message = queue(db, member)
        with self.server(certificate, credentials=self.CREDENTIALS) as server:
            assert send_due(db, mail_settings(self.url(server)), clock=clock).retried == 1
        assert server.logins == [] and server.attempts == []
        row = stored(db, message)
        assert row.last_error is not None and "CERTIFICATE_VERIFY_FAILED" in row.last_error

    def test_a_wrong_password_is_temporary_and_not_the_members_fault(
        self,
        db: Database,
        clock: FrozenClock,
        member: Member,
        certificate: Certificate,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
        message = queue(db, member)
        with self.server(certificate, credentials=self.CREDENTIALS) as server:
            url = self.url(server, password="wrong")
            assert send_due(db, mail_settings(url), clock=clock).retried == 1
        assert server.logins and all(over_tls for _, over_tls in server.logins)
        assert server.attempts == []
        row = stored(db, message)
        assert row.failed_at is None and row.last_error is not None
        assert row.last_error.startswith("535")
        assert member_settings(db, member) is None

    def test_without_credentials_starttls_is_used_unverified(
        self, db: Database, clock: FrozenClock, member: Member, certificate: Certificate
    ) -> None:
        queue(db, member)
        with self.server(certificate) as server:
            assert send_due(db, mail_settings(server.url), clock=clock).sent == 1
        [received] = server.messages
        assert received.over_tls


class TestPermanentFailures:
    def test_550_is_recorded_and_not_retried(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        message = queue(db, member)
        settings = mail_settings(smtp_server.url)
        smtp_server.always("550 5.1.1 No such user")
        assert send_due(db, settings, clock=clock).failed == 1
        row = stored(db, message)
        assert row.failed_at == NOW and row.sent_at is None
        assert row.last_error is not None and row.last_error.startswith("550")
        smtp_server.always(None)
        clock.advance(86400)
        assert send_due(db, settings, clock=clock).sent == 0
        assert len(smtp_server.attempts) == 1
        found = member_settings(db, member)
        assert found is not None and found.email_permanent_failures == 1
        assert found.email_failing_at is None

    def test_failing_after_three_in_a_row_and_a_delivery_clears_it(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        settings = mail_settings(smtp_server.url)
        smtp_server.always("550 5.1.1 No such user")
        for _ in range(3):
            queue(db, member)
            send_due(db, settings, clock=clock)
        found = member_settings(db, member)
        assert found is not None and found.email_permanent_failures == 3
        assert found.email_failing_at == NOW
        smtp_server.always(None)
        queue(db, member, kind="verification")
        assert send_due(db, settings, clock=clock).sent == 1
        found = member_settings(db, member)
        assert found is not None and found.email_permanent_failures == 0
        assert found.email_failing_at is None


class TestLease:
    def test_a_dead_senders_claim_runs_out_and_the_same_message_goes_again(
        self, db: Database, clock: FrozenClock, smtp_server: SmtpServer, member: Member
    ) -> None:
        message = queue(db, member)
        settings = mail_settings(smtp_server.url)
        # A process claims the message, hands it to the server, and dies before recording it.
        with db.session() as session:
            [claimed] = outbox.claim_due(session, now=clock())
            session.commit()
        with smtplib.SMTP(smtp_server.host, smtp_server.port) as client:
            client.send_message(build_message(settings, claimed))
        assert send_due(db, settings, clock=clock).sent == 0  # still its claim
        clock.advance(outbox.LEASE.total_seconds())
        assert send_due(db, settings, clock=clock).sent == 1
        ids = [r.message["Message-ID"] for r in smtp_server.messages]
        assert ids == [message.message_id, message.message_id]  # at-least-once, same id
        assert stored(db, message).sent_at == clock()


class TestSmtpUrl:
    def test_parses(self) -> None:
        plain = parse_smtp_url("smtp://relay.local")
        assert (plain.host, plain.port, plain.implicit_tls, plain.username) == (
            "relay.local",
            25,
            False,
            None,
        )
        tls = parse_smtp_url("smtps://me%40x.org:p%3Ass@mail.x.org")
        assert (tls.port, tls.implicit_tls, tls.username, tls.password) == (
            465,
            True,
            "me@x.org",
            "p:ss",
        )
        assert parse_smtp_url("smtp://h:2525").port == 2525
        assert "p:ss" not in repr(tls)

    def test_refuses_other_schemes(self) -> None:
        with pytest.raises(ValueError):
            parse_smtp_url("http://mail.example.org")


def test_two_passes_at_once_send_each_message_once(
    backend: str, committed_db: Database, smtp_server: SmtpServer
) -> None:
    if backend != "postgres":
        pytest.skip("concurrency needs PostgreSQL (SQLite serializes writers)")
    members = [make_member(committed_db, email=f"m{i}@example.org") for i in range(10)]
    queued = [queue(committed_db, members[i % 10]) for i in range(50)]
    settings = mail_settings(smtp_server.url)
    clock = FrozenClock(NOW)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            start.wait()
            while send_due(committed_db, settings, clock=clock).sent:
                pass
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    received = sorted(str(r.message["Message-ID"]) for r in smtp_server.messages)
    assert received == sorted(m.message_id for m in queued)
