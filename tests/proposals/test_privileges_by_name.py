"""Granting privileges to members named in a pasted list (issue 10, item 5): names by line or
comma, a name holding a comma, unknown names refused together and nothing written."""

import pytest
from sqlmodel import select

from app.db import Database
from proposals.errors import Forbidden, InvalidInput
from proposals.models import Privilege
from proposals.services import members, structure
from tests.factories import make_member, make_unit


class TestMembersNamed:
    def test_lines_and_commas_in_order_each_once(self, db: Database) -> None:
        ann, ben, cat = (make_member(db, name=n) for n in ("ann", "ben", "cat"))
        with db.session() as session:
            found = members.members_named(session, ["ben, ann", "", "  cat ", "ann,,"])
        assert [m.id for m in found] == [ben.id, ann.id, cat.id]

    def test_a_line_that_is_a_name_is_not_split(self, db: Database) -> None:
        odd = make_member(db, name="Smith, Jo")
        make_member(db, name="Smith")
        with db.session() as session:
            assert [m.id for m in members.members_named(session, ["Smith, Jo"])] == [odd.id]

    def test_unknown_names_are_refused_together_by_name(self, db: Database) -> None:
        make_member(db, name="ann")
        with db.session() as session, pytest.raises(InvalidInput) as refused:
            members.members_named(session, ["ann, bob", "zed", "bob"])
        assert refused.value.detail == "no member is named 'bob', 'zed': nothing was changed"

    def test_nothing_and_too_many_are_refused(self, db: Database) -> None:
        with db.session() as session:
            with pytest.raises(InvalidInput, match="names must not be empty"):
                members.members_named(session, [" , ", ""])
            too_many = ", ".join(f"m{i}" for i in range(members.NAMES_PER_PASTE + 1))
            with pytest.raises(InvalidInput, match="at most 1000 names"):
                members.members_named(session, [too_many])


class TestGrantPrivileges:
    def test_grants_the_same_rights_to_everyone_named(self, db: Database) -> None:
        admin = make_member(db, name="root", is_admin=True)
        ann, ben = make_member(db, name="ann"), make_member(db, name="ben")
        unit = make_unit(db)
        with db.session() as session:
            views = structure.grant_privileges(
                session,
                actor=admin,
                unit_id=unit.id or 0,
                names=["ann, ben"],
                voting_right=True,
                initiative_right=False,
            )
            session.commit()
        assert [(v.member_id, v.voting_right, v.initiative_right) for v in views] == [
            (ann.id, True, False),
            (ben.id, True, False),
        ]

    def test_an_unknown_name_writes_nothing(self, db: Database) -> None:
        admin = make_member(db, name="root", is_admin=True)
        make_member(db, name="ann")
        unit = make_unit(db)
        with db.session() as session:
            with pytest.raises(InvalidInput):
                structure.grant_privileges(
                    session,
                    actor=admin,
                    unit_id=unit.id or 0,
                    names=["ann", "bob"],
                    voting_right=True,
                    initiative_right=True,
                )
            assert session.exec(select(Privilege)).all() == []

    def test_only_an_admin_grants_and_some_right_is_needed(self, db: Database) -> None:
        admin = make_member(db, name="root", is_admin=True)
        ann = make_member(db, name="ann")
        unit = make_unit(db)
        with db.session() as session:
            with pytest.raises(Forbidden):
                structure.grant_privileges(
                    session,
                    actor=ann,
                    unit_id=unit.id or 0,
                    names=["ann"],
                    voting_right=True,
                    initiative_right=True,
                )
            with pytest.raises(InvalidInput, match="choose the voting right"):
                structure.grant_privileges(
                    session,
                    actor=admin,
                    unit_id=unit.id or 0,
                    names=["ann"],
                    voting_right=False,
                    initiative_right=False,
                )
