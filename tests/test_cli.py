"""The ``liquidpolicy`` command line: migrate, create-admin, index-records, tick, notify and
deliver."""

from pathlib import Path

import pytest
from sqlmodel import select

from app.cli import main
from app.db import Database, create_engine
from proposals.models import Member
from tests.databases import throwaway_database
from tests.smtp import closed_port_url
from tests.webhook_receiver import Receiver


@pytest.fixture
def url(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> object:
    with throwaway_database(backend, tmp_path) as url:
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.setenv("ARGON2_MEMORY_COST", "8")
        monkeypatch.setenv("ARGON2_TIME_COST", "1")
        monkeypatch.setenv("ARGON2_PARALLELISM", "1")
        monkeypatch.setenv("LOG_LEVEL", "WARNING")
        yield url


class TestCreateAdmin:
    def test_prints_the_new_admins_id(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["migrate"]) == 0
        assert main(["create-admin", "admin", "--password", "correct horse battery"]) == 0
        printed = capsys.readouterr().out.strip()
        database = Database(create_engine(url))
        try:
            with database.session() as session:
                admin = session.exec(select(Member).where(Member.name == "admin")).one()
        finally:
            database.dispose()
        assert printed == str(admin.id)
        assert admin.is_admin and admin.active

    def test_short_password_is_refused(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["migrate"]) == 0
        assert main(["create-admin", "admin", "--password", "too short"]) == 2
        assert "at least 10 characters" in capsys.readouterr().err

    def test_taken_name_is_refused(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["migrate"]) == 0
        assert main(["create-admin", "admin", "--password", "correct horse battery"]) == 0
        assert main(["create-admin", "admin", "--password", "correct horse battery"]) == 2
        assert "taken" in capsys.readouterr().err


class TestIndexRecords:
    def test_with_every_record_indexed_there_is_nothing_to_index(
        self, url: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        # What it writes is tested in tests/api/test_explain_index.py.
        assert main(["migrate"]) == 0
        assert main(["index-records"]) == 0
        assert capsys.readouterr().out == "nothing to index\n"

    def test_needs_a_migrated_database(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["index-records"]) == 2
        assert "error:" in capsys.readouterr().err


class TestTick:
    def test_runs_the_lifecycle_once(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        from datetime import UTC, datetime

        from proposals.services import initiatives, members, structure
        from tests.factories import CHEAP_HASHER, policy_fields

        assert main(["migrate"]) == 0
        database = Database(create_engine(url))
        try:
            with database.session(write=True) as session:
                admin = members.create_member(
                    session, CHEAP_HASHER, actor=None, name="a", password="x" * 10, is_admin=True
                )
                unit = structure.create_unit(session, actor=admin, name="u")
                area = structure.create_area(session, actor=admin, unit_id=unit.id or 0, name="a")
                policy = structure.create_policy(
                    session, actor=admin, fields=policy_fields(max_admission_time=0)
                )
                structure.set_privilege(
                    session,
                    actor=admin,
                    unit_id=unit.id or 0,
                    member_id=admin.id or 0,
                    voting_right=True,
                    initiative_right=True,
                )
                initiative = initiatives.create_initiative(
                    session,
                    actor=admin,
                    name="i",
                    content="c",
                    area_id=area.id,
                    policy_id=policy.id,
                    clock=lambda: datetime(2020, 1, 1, tzinfo=UTC),
                )
                session.commit()
        finally:
            database.dispose()
        capsys.readouterr()
        assert main(["tick"]) == 0
        assert capsys.readouterr().out.strip() == (
            f"issue {initiative.issue_id}: admission -> canceled_issue_not_accepted"
        )
        assert main(["tick"]) == 0
        assert capsys.readouterr().out.strip() == "nothing due"

    def test_writes_the_record_of_an_issue_it_closes(
        self, url: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """Issue 12: the record is written after the close, by the same ``tick``."""
        from datetime import UTC, datetime

        from proposals.models import IssueRecord
        from proposals.services import initiatives, members, participation, structure
        from tests.factories import CHEAP_HASHER, policy_fields

        assert main(["migrate"]) == 0
        database = Database(create_engine(url))
        try:
            with database.session(write=True) as session:
                admin = members.create_member(
                    session, CHEAP_HASHER, actor=None, name="a", password="x" * 10, is_admin=True
                )
                unit = structure.create_unit(session, actor=admin, name="u")
                area = structure.create_area(session, actor=admin, unit_id=unit.id or 0, name="a")
                zero = dict.fromkeys(
                    ("discussion_time", "verification_time", "voting_time", "max_admission_time"),
                    0,
                )
                policy = structure.create_policy(
                    session, actor=admin, fields=policy_fields(min_admission_time=0, **zero)
                )
                structure.set_privilege(
                    session,
                    actor=admin,
                    unit_id=unit.id or 0,
                    member_id=admin.id or 0,
                    voting_right=True,
                    initiative_right=True,
                )
                initiative = initiatives.create_initiative(
                    session,
                    actor=admin,
                    name="i",
                    content="c",
                    area_id=area.id,
                    policy_id=policy.id,
                    clock=lambda: datetime(2020, 1, 1, tzinfo=UTC),
                )
                participation.support(session, actor=admin, initiative_id=initiative.id or 0)
                session.commit()
            capsys.readouterr()
            assert main(["tick"]) == 0
            with database.session() as session:
                stored = session.exec(select(IssueRecord)).one()
        finally:
            database.dispose()
        issue = initiative.issue_id
        assert capsys.readouterr().out.strip().splitlines() == [
            f"issue {issue}: admission -> discussion",
            f"issue {issue}: discussion -> verification",
            f"issue {issue}: verification -> voting",
            f"issue {issue}: voting -> finished_without_winner",
            f"issue {issue}: record {stored.digest}",
        ]
        assert (stored.issue_id, stored.seq, stored.previous_digest) == (issue, 1, None)


def _subscriber_and_new_issue(
    database: Database, *, email: str | None = None, initiative: str = "i"
) -> int:
    """An admin "a" opens an issue (initiative ``initiative``) in the area Transport, to which
    the member "r" (answered by id) subscribed: one pending ``new_issue`` cause."""
    from proposals.services import initiatives, members, notifications, structure
    from tests.factories import CHEAP_HASHER, policy_fields

    with database.session(write=True) as session:
        admin = members.create_member(
            session, CHEAP_HASHER, actor=None, name="a", password="x" * 10, is_admin=True
        )
        reader = members.create_member(
            session, CHEAP_HASHER, actor=None, name="r", password="x" * 10, email=email
        )
        unit = structure.create_unit(session, actor=admin, name="u")
        area = structure.create_area(session, actor=admin, unit_id=unit.id or 0, name="Transport")
        policy = structure.create_policy(session, actor=admin, fields=policy_fields())
        structure.set_privilege(
            session,
            actor=admin,
            unit_id=unit.id or 0,
            member_id=admin.id or 0,
            voting_right=True,
            initiative_right=True,
        )
        notifications.subscribe(session, actor=reader, area_id=area.id or 0)
        initiatives.create_initiative(
            session,
            actor=admin,
            name=initiative,
            content="c",
            area_id=area.id,
            policy_id=policy.id,
        )
        session.commit()
        return reader.id or 0


class TestNotify:
    def test_fans_out_pending_causes_once(
        self, url: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from proposals.models import Notification

        assert main(["migrate"]) == 0
        database = Database(create_engine(url))
        try:
            reader_id = _subscriber_and_new_issue(database)
            capsys.readouterr()
            assert main(["notify"]) == 0
            assert capsys.readouterr().out.strip() == "1 causes fanned out, 1 notifications"
            assert main(["notify"]) == 0
            assert capsys.readouterr().out.strip() == "0 causes fanned out, 0 notifications"
            with database.session() as session:
                rows = session.exec(select(Notification)).all()
            assert [(n.member_id, n.kind, n.reason) for n in rows] == [
                (reader_id, "new_issue", "because you subscribed to Transport")
            ]
        finally:
            database.dispose()

    def test_composes_only_with_smtp_and_previews_without_changing_anything(
        self, url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from proposals.models import EmailMessage, NotificationSettings

        assert main(["migrate"]) == 0
        database = Database(create_engine(url))

        def state() -> tuple[int, int]:
            with database.session() as session:
                mails = len(session.exec(select(EmailMessage)).all())
                settings = session.exec(select(NotificationSettings)).one()
                return mails, settings.mailed_up_to_id

        try:
            reader_id = _subscriber_and_new_issue(
                database, email="r@example.org", initiative="Tram lines"
            )
            with database.session(write=True) as session:
                session.add(
                    NotificationSettings(
                        member_id=reader_id,
                        email_frequency="immediately",
                        email_verified_address="r@example.org",
                    )
                )
                session.commit()
            capsys.readouterr()
            monkeypatch.setenv("PUBLIC_URL", "https://lp.example.org")  # links are absolute
            assert main(["notify", "--preview", "r"]) == 0
            assert capsys.readouterr().out.startswith("Nothing to send to r")
            assert main(["notify"]) == 0  # no SMTP_URL: fans out, queues nothing
            assert capsys.readouterr().out.strip() == "1 causes fanned out, 1 notifications"
            assert state() == (0, 0)
            assert main(["notify", "--preview", "r"]) == 0
            preview = capsys.readouterr().out
            assert preview.startswith("To: r@example.org (immediately)\nSubject: Your Liquid")
            assert "* New issue in Transport: issue #1 (Tram lines)" in preview
            assert "(because you subscribed to Transport)" in preview
            assert state() == (0, 0)  # a preview changes nothing
            assert main(["notify", "--preview", "nobody"]) == 2
            assert "no member named 'nobody'" in capsys.readouterr().err
            monkeypatch.setenv("SMTP_URL", closed_port_url())  # queued, then sending fails
            assert main(["notify"]) == 0
            assert capsys.readouterr().out.splitlines() == [
                "0 causes fanned out, 0 notifications",
                "1 e-mails queued for 1 members",
                "0 e-mails sent, 1 to retry, 0 failed",
            ]
            mails, watermark = state()
            assert mails == 1 and watermark > 0
            with database.session() as session:
                mail = session.exec(select(EmailMessage)).one()
            assert mail.subject == "New issue in Transport: issue #1 (Tram lines)"
            assert "https://lp.example.org/issues/1" in mail.text_body
        finally:
            database.dispose()


class TestDeliver:
    def test_one_pass_sends_the_signed_events_and_prints_the_tally(
        self,
        url: str,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
        webhook_receiver: Receiver,
    ) -> None:
        """Issue 14: ``liquidpolicy deliver`` runs one webhook pass (here to a receiver on this
        machine, which only ``WEBHOOK_ALLOW_PRIVATE=true`` allows)."""
        from standardwebhooks import Webhook as Verifier

        from proposals.services import initiatives, members, structure, webhooks
        from tests.factories import CHEAP_HASHER, policy_fields

        assert main(["migrate"]) == 0
        database = Database(create_engine(url))
        try:
            with database.session(write=True) as session:
                admin = members.create_member(
                    session, CHEAP_HASHER, actor=None, name="a", password="x" * 10, is_admin=True
                )
                unit = structure.create_unit(session, actor=admin, name="u")
                area = structure.create_area(session, actor=admin, unit_id=unit.id or 0, name="a")
                policy = structure.create_policy(session, actor=admin, fields=policy_fields())
                structure.set_privilege(
                    session,
                    actor=admin,
                    unit_id=unit.id or 0,
                    member_id=admin.id or 0,
                    voting_right=True,
                    initiative_right=True,
                )
                hook = webhooks.create_webhook(
                    session,
                    admin,
                    url=f"http://127.0.0.1:{webhook_receiver.port}/cli",
                    event_types=None,
                    unit_id=None,
                    area_id=None,
                )
                secret = hook.secret
                session.commit()
            with database.session(write=True) as session:
                initiatives.create_initiative(
                    session,
                    actor=admin,
                    name="i",
                    content="c",
                    area_id=area.id,
                    policy_id=policy.id,
                )
                session.commit()
        finally:
            database.dispose()
        monkeypatch.setenv("WEBHOOK_ALLOW_PRIVATE", "true")
        capsys.readouterr()

        assert main(["deliver"]) == 0
        sent = len(webhook_receiver.received)
        assert sent >= 1
        assert capsys.readouterr().out.strip() == (
            f"{sent} deliveries queued, {sent} delivered, 0 failed (to retry), 0 webhooks disabled"
        )
        assert webhook_receiver.bodies()[0]["type"] == "initiative_created"
        for request in webhook_receiver.received:
            Verifier(secret).verify(request.body, request.headers)
        assert main(["deliver"]) == 0
        assert capsys.readouterr().out.strip().startswith("0 deliveries queued, 0 delivered")
