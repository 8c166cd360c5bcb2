"""Issue 11: the ``votes_delegated`` notifications of an issue reaching voting, written from the
weights the lifecycle stored with the cause -- their wording, their recipients and their order
(the bulk write formats each weight's row once; see proposals/bulk.py)."""

from datetime import timedelta

from sqlmodel import col, select

from app.db import Database
from proposals.models import Initiative, Issue, Notification
from proposals.services.notifications import fan_out, record_cause
from tests.factories import NOW, make_area, make_member, make_policy, make_unit

# A name that COPY's text format must escape (a backslash and a tab), and a quote.
NAME = 'Trams\\buses\tand "more"'


def test_texts_reasons_recipients_and_order_from_the_stored_weights(db: Database) -> None:
    unit = make_unit(db)
    area = make_area(db, unit)
    policy = make_policy(db)
    few, many, actor, alone = (make_member(db) for _ in range(4))
    with db.session(write=True) as session:
        issue = Issue(
            area_id=area.id or 0,
            unit_id=unit.id or 0,
            policy_id=policy.id or 0,
            state="voting",
            created_at=NOW - timedelta(days=3),
            min_admission_time=0,
            max_admission_time=86400,
            discussion_time=86400,
            verification_time=86400,
            voting_time=86400,
        )
        session.add(issue)
        session.flush()
        session.add(Initiative(issue_id=issue.id or 0, name=NAME, created_at=NOW, admitted=True))
        record_cause(
            session,
            "phase_changed",
            issue,
            actor_id=actor.id,
            now=NOW,
            state="voting",
            # Not in member order: the rows must still be written (and numbered) in this one.
            delegate_weights=[
                [many.id or 0, 38],
                [actor.id or 0, 5],
                [alone.id or 0, 1],
                [few.id or 0, 2],
            ],
        )
        fan_out(session, now=NOW)
        rows = session.exec(
            select(Notification)
            .where(Notification.kind == "votes_delegated")
            .order_by(col(Notification.id))
        ).all()
        title = f"issue #{issue.id} ({NAME})"
        assert [(n.member_id, n.text, n.reason) for n in rows] == [
            (
                many.id,
                f"37 members' votes go to you in {title}: voting has started",
                "because 37 members delegate to you",
            ),
            (
                few.id,
                f"1 member's vote goes to you in {title}: voting has started",
                "because 1 member delegates to you",
            ),
        ]
        assert {
            (n.created_at, n.unit_id, n.area_id, n.issue_id, n.initiative_id, n.read_at)
            for n in rows
        } == {(NOW, unit.id, area.id, issue.id, None, None)}
        [cause_id] = {n.cause_id for n in rows}
        assert cause_id is not None
