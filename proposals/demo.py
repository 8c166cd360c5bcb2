"""A demo organisation, produced through the real services and the real lifecycle.

The loader starts a frozen clock weeks before "now" and plays a script: members, a unit with three
areas, two policies, privileges and delegations of every scope (unit, area, issue, a null "no
delegation here" block, a small cycle, a dead end at an ineligible member), then each issue's
story: initiatives, support, suggestions, an accepted amendment, a revocation, ballots. The clock
moves from one scripted moment to the next and the lifecycle runs at each of them, so every phase
change, snapshot and tally is performed by :mod:`proposals.lifecycle`, exactly as the server would.
Nothing is written directly. At "now" the open issues sit in admission, discussion, verification
and voting with days left (the policy of the open issues has phases of a week); the closed ones
carry past timestamps.

The loader refuses a database that already has members, so it never mixes with real data.
"""

import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from proposals.clock import Clock, FrozenClock, utcnow
from proposals.errors import Conflict
from proposals.lifecycle import SessionFactory, run_lifecycle
from proposals.models import Area, Member, Policy
from proposals.security import PasswordHasher
from proposals.services import (
    delegations,
    email_settings,
    initiatives,
    issues,
    members,
    participation,
    structure,
    voting,
)
from proposals.services.records import write_due_records

__all__ = ["DEMO_PASSWORD", "DemoIssue", "DemoSummary", "DemoUnavailable", "load_demo"]

DEMO_PASSWORD = "liquid-demo"
ADMIN_NAME = "admin"
UNIT_NAME = "Demo Party"
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
HISTORY = 40 * DAY  # how long before "now" the demo's history begins

# Thirty members; all have voting right except oscar (initiative right only: not eligible, so a
# delegation to him is a dead end); ivan and tina have voting right only.
MEMBER_NAMES = (
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "karl", "linda", "mike", "nina", "oscar", "peggy", "quinn", "rita", "sam", "tina",
    "uwe", "vera", "walt", "xena", "yuri", "zoe", "anna", "ben", "clara", "dan",
)  # fmt: skip
VOTING_ONLY = frozenset({"ivan", "tina"})
INITIATIVE_ONLY = frozenset({"oscar"})
STATEMENTS = {
    "alice": "Generalist delegate: I read every issue and vote on all of them.",
    "grace": "Social policy and housing. Delegate to me if you care about affordable rents.",
    "karl": "Transport planner by trade; I vote on every transport issue.",
    "zoe": "Environment first. I publish my reasoning before every vote.",
}
UNIT_DELEGATIONS = {
    "bob": "alice", "carol": "alice", "dave": "bob", "erin": "alice", "peggy": "alice",
    "frank": "grace", "heidi": "grace", "ivan": "heidi", "judy": "karl",
    "linda": "mike", "mike": "nina", "nina": "linda",  # a small cycle
    "dan": "oscar",  # a dead end: oscar is not eligible
}  # fmt: skip
AREAS = {
    "Transport": "Buses, bikes, streets and parking.",
    "Housing": "Rents, social housing and how the party's own offices are used.",
    "Environment": "Energy, waste and climate.",
}
AREA_DELEGATIONS: dict[str, dict[str, str | None]] = {
    "Transport": {"bob": "karl", "quinn": "karl", "rita": "quinn"},
    "Housing": {"erin": None, "sam": "grace", "tina": "sam"},  # erin: no delegation here
    "Environment": {"uwe": "zoe", "vera": "zoe", "walt": "uwe"},
}
STANDARD = "Standard"
FAST = "Fast track"
# create_policy wants every field (the API's schema supplies these defaults, DESIGN.md §1).
POLICY_DEFAULTS: dict[str, Any] = {
    **{f"{kind}_majority_{field}": value for kind in ("direct", "indirect") for field, value in
       (("num", 1), ("den", 2), ("strict", True), ("positive", 0), ("non_negative", 0))},
    "no_reverse_beat_path": False,
    "no_multistage_majority": False,
    "defeat_strength": "tuple",
    "tie_breaking": "variant1",
}  # fmt: skip
POLICIES: dict[str, dict[str, Any]] = {
    STANDARD: {
        "description": "One week each for discussion, verification and voting; 10 % quorums.",
        "min_admission_time": int(DAY.total_seconds()),
        "max_admission_time": int((14 * DAY).total_seconds()),
        "discussion_time": int((7 * DAY).total_seconds()),
        "verification_time": int((7 * DAY).total_seconds()),
        "voting_time": int((7 * DAY).total_seconds()),
        "issue_quorum_num": 1,
        "issue_quorum_den": 10,
        "initiative_quorum_num": 1,
        "initiative_quorum_den": 10,
    },
    FAST: {
        "description": "Short phases, 20 % quorums and a two-thirds majority.",
        "min_admission_time": 0,
        "max_admission_time": int((4 * DAY).total_seconds()),
        "discussion_time": int((3 * DAY).total_seconds()),
        "verification_time": int((2 * DAY).total_seconds()),
        "voting_time": int((3 * DAY).total_seconds()),
        "issue_quorum_num": 1,
        "issue_quorum_den": 5,
        "initiative_quorum_num": 1,
        "initiative_quorum_den": 5,
        "direct_majority_num": 2,
        "direct_majority_den": 3,
    },
}


class DemoUnavailable(Conflict):
    """The database already holds members: the demo only loads into an empty one."""


@dataclass(frozen=True)
class DemoIssue:
    id: int
    state: str
    area: str
    policy: str
    title: str
    phase_ends_at: datetime | None


@dataclass(frozen=True)
class DemoSummary:
    admin: str
    members: list[str]
    password: str
    issues: list[DemoIssue]

    def lines(self) -> list[str]:
        """What the command line prints: logins, the shared password, the issues."""
        out = [
            f"Demo organisation {UNIT_NAME!r} loaded: {len(AREAS)} areas, {len(POLICIES)} "
            f"policies, {len(self.members)} members.",
            f"Password of every login below: {self.password}",
            f"Admin login: {self.admin}",
            "Member logins:",
            *textwrap.wrap(
                ", ".join(self.members), 96, initial_indent="  ", subsequent_indent="  "
            ),
            "Issues:",
        ]
        for issue in self.issues:
            ends = (
                ""
                if issue.phase_ends_at is None
                else f", phase ends {issue.phase_ends_at:%F %H:%M} UTC"
            )
            out.append(
                f"  issue {issue.id:>2}  {issue.state:<28} {issue.area:<12} {issue.title} "
                f"({issue.policy}{ends})"
            )
        return out


Action = Callable[[Session], None]


@dataclass(frozen=True)
class _Step:
    at: timedelta  # relative to "now": negative is the past
    action: Action | None  # None: the lifecycle runs at this moment, nothing else happens


@dataclass(frozen=True)
class _SharedHasher(PasswordHasher):
    """Hashes the demo's one published password once (argon2 is slow by design, and every demo
    login has that password anyway); any other password is hashed as usual."""

    shared_hash: str = ""

    def hash(self, password: str) -> str:
        if password == DEMO_PASSWORD and self.shared_hash:
            return self.shared_hash
        return super().hash(password)


def load_demo(
    database: SessionFactory, hasher: PasswordHasher, *, clock: Clock = utcnow
) -> DemoSummary:
    """Load the demo organisation into an empty database; ``clock`` tells the real "now"."""
    shared = _SharedHasher(
        hasher.time_cost,
        hasher.memory_cost,
        hasher.parallelism,
        shared_hash=hasher.hash(DEMO_PASSWORD),
    )
    return _Loader(database, shared, clock().replace(microsecond=0)).load()


class _Loader:
    def __init__(self, database: SessionFactory, hasher: PasswordHasher, now: datetime) -> None:
        self.database = database
        self.hasher = hasher
        self.now = now
        self.clock = FrozenClock(now - HISTORY)
        self.members: dict[str, Member] = {}
        self.unit_id = 0
        self.areas: dict[str, int] = {}
        self.policies: dict[str, int] = {}
        self.ids: dict[str, int] = {}  # script labels -> issue, initiative, suggestion ids
        self.expected: dict[str, str] = {}  # issue label -> the state it must reach

    # The run --------------------------------------------------------------------------------

    def load(self) -> DemoSummary:
        self._organisation()
        steps = [
            *self._closed_with_winner(),
            *self._closed_without_winner(),
            *self._canceled(),
            *self._voting(),
            *self._verification(),
            *self._discussion(),
            *self._admission(),
            _Step(timedelta(0), None),
        ]
        for at, group in groupby(sorted(steps, key=lambda s: s.at), key=lambda s: s.at):
            if at > timedelta(0):
                raise ValueError("the demo script must not reach beyond now")
            self.clock.now = self.now + at
            for step in group:
                if step.action is not None:
                    with self.database.session(write=True) as session:
                        step.action(session)
                        session.commit()
            transitions = run_lifecycle(self.database, clock=self.clock)
            write_due_records(self.database, clock=self.clock)  # as the server's next step
            if at == timedelta(0) and transitions:
                raise RuntimeError(f"the demo's open issues are not settled at now: {transitions}")
        return self._summary()

    def _organisation(self) -> None:
        """Admin, members, unit, areas, policies, privileges, unit and area delegations."""
        with self.database.session(write=True) as session:
            if session.exec(select(func.count()).select_from(Member)).one():
                raise DemoUnavailable(
                    "the database already has members: the demo loads only into an empty database"
                )
            admin = self._member(session, ADMIN_NAME, is_admin=True)
            for name in MEMBER_NAMES:
                self.members[name] = self._member(session, name)
            for name, statement in STATEMENTS.items():
                members.update_profile(
                    session, self.hasher, self.members[name], statement=statement
                )
            unit = structure.create_unit(
                session,
                actor=admin,
                name=UNIT_NAME,
                description="A demo organisation: every login uses the same password.",
                clock=self.clock,
            )
            self.unit_id = unit.id or 0
            for name, description in AREAS.items():
                area = structure.create_area(
                    session,
                    actor=admin,
                    unit_id=self.unit_id,
                    name=name,
                    description=description,
                    clock=self.clock,
                )
                self.areas[name] = area.id or 0
            for name, fields in POLICIES.items():
                policy = structure.create_policy(
                    session,
                    actor=admin,
                    fields={**POLICY_DEFAULTS, "name": name, **fields},
                    clock=self.clock,
                )
                self.policies[name] = policy.id or 0
            for name, member in self.members.items():
                structure.set_privilege(
                    session,
                    actor=admin,
                    unit_id=self.unit_id,
                    member_id=member.id or 0,
                    voting_right=name not in INITIATIVE_ONLY,
                    initiative_right=name not in VOTING_ONLY,
                )
            session.commit()
        self.clock.advance(HOUR.total_seconds())
        with self.database.session(write=True) as session:
            for truster, trustee in UNIT_DELEGATIONS.items():
                self._delegate(truster, trustee, unit_id=self.unit_id)(session)
            for area_name, chosen in AREA_DELEGATIONS.items():
                for truster, maybe in chosen.items():
                    self._delegate(truster, maybe, area_id=self.areas[area_name])(session)
            session.commit()

    def _member(self, session: Session, name: str, *, is_admin: bool = False) -> Member:
        """A demo member with a verified ``example.org`` address and the default ``daily``
        digest, so a demo with ``SMTP_URL`` set shows the real e-mail (issue 11)."""
        member = members.create_member(
            session,
            self.hasher,
            actor=None,
            name=name,
            password=DEMO_PASSWORD,
            email=f"{name}@example.org",
            is_admin=is_admin,
            clock=self.clock,
        )
        email_settings.verify(session, member, address=f"{name}@example.org", clock=self.clock)
        return member

    def _summary(self) -> DemoSummary:
        with self.database.session() as session:
            area_names = {a.id: a.name for a in session.exec(select(Area))}
            policy_names = {p.id: p.name for p in session.exec(select(Policy))}
            found: list[DemoIssue] = []
            for label, expected in self.expected.items():
                issue = issues.get_issue(session, self.ids[label])
                if issue.state != expected:
                    raise RuntimeError(f"demo issue {label!r} is {issue.state}, not {expected}")
                first = initiatives.list_initiatives(
                    session, issue_id=issue.id, after=None, limit=1
                ).items[0]
                found.append(
                    DemoIssue(
                        id=issue.id or 0,
                        state=issue.state,
                        area=area_names[issue.area_id],
                        policy=policy_names[issue.policy_id],
                        title=first.name,
                        phase_ends_at=issues.phase_ends_at(issue),
                    )
                )
        found.sort(key=lambda i: i.id)
        return DemoSummary(ADMIN_NAME, list(MEMBER_NAMES), DEMO_PASSWORD, found)

    # Actions: each runs through a service with the frozen clock ------------------------------

    def _propose(
        self, label: str, who: str, name: str, content: str, *, issue: str, **new: str
    ) -> Action:
        """A new initiative; with ``area`` and ``policy`` it opens the issue ``issue``."""

        def action(session: Session) -> None:
            initiative = initiatives.create_initiative(
                session,
                actor=self.members[who],
                name=name,
                content=content,
                area_id=self.areas[new["area"]] if new else None,
                policy_id=self.policies[new["policy"]] if new else None,
                issue_id=None if new else self.ids[issue],
                clock=self.clock,
            )
            self.ids[label] = initiative.id or 0
            self.ids[issue] = initiative.issue_id

        return action

    def _support(self, initiative: str, *who: str) -> Action:
        def action(session: Session) -> None:
            for name in who:
                participation.support(
                    session, actor=self.members[name], initiative_id=self.ids[initiative]
                )

        return action

    def _suggest(
        self,
        label: str,
        who: str,
        initiative: str,
        name: str,
        content: str,
        *,
        degree: int,
        replacement: str | None = None,
    ) -> Action:
        def action(session: Session) -> None:
            suggestion = participation.create_suggestion(
                session,
                actor=self.members[who],
                initiative_id=self.ids[initiative],
                name=name,
                content=content,
                degree=degree,
                replacement_content=replacement,
                clock=self.clock,
            )
            self.ids[label] = suggestion.id or 0

        return action

    def _rate(self, suggestion: str, opinions: Mapping[str, tuple[int, bool]]) -> Action:
        def action(session: Session) -> None:
            for name, (degree, fulfilled) in opinions.items():
                participation.set_opinion(
                    session,
                    actor=self.members[name],
                    suggestion_id=self.ids[suggestion],
                    degree=degree,
                    fulfilled=fulfilled,
                )

        return action

    def _accept(self, who: str, suggestion: str) -> Action:
        def action(session: Session) -> None:
            participation.accept_suggestion(
                session,
                actor=self.members[who],
                suggestion_id=self.ids[suggestion],
                clock=self.clock,
            )

        return action

    def _revoke(self, who: str, initiative: str, *, pointing_to: str) -> Action:
        def action(session: Session) -> None:
            initiatives.revoke_initiative(
                session,
                actor=self.members[who],
                initiative_id=self.ids[initiative],
                suggested_initiative_id=self.ids[pointing_to],
                clock=self.clock,
            )

        return action

    def _delegate(self, truster: str, trustee: str | None, **scope: int) -> Action:
        def action(session: Session) -> None:
            delegations.set_delegation(
                session,
                actor=self.members[truster],
                trustee_id=None if trustee is None else self.members[trustee].id,
                clock=self.clock,
                **scope,
            )

        return action

    def _issue_delegation(self, truster: str, trustee: str | None, issue: str) -> Action:
        def action(session: Session) -> None:
            self._delegate(truster, trustee, issue_id=self.ids[issue])(session)

        return action

    def _vote(self, issue: str, ballots: Mapping[str, Mapping[str, int]]) -> Action:
        def action(session: Session) -> None:
            for name, grades in ballots.items():
                voting.cast_ballot(
                    session,
                    actor=self.members[name],
                    issue_id=self.ids[issue],
                    votes=[(self.ids[i], g) for i, g in grades.items()],
                    clock=self.clock,
                )

        return action

    def _phases(self, policy: str, created: timedelta) -> tuple[timedelta, ...]:
        """Creation, then when discussion, verification, voting and the close begin, for an
        issue whose quorum is reached at creation (the lifecycle runs at each of these)."""
        fields = POLICIES[policy]
        accepted = created + timedelta(seconds=fields["min_admission_time"])
        half = accepted + timedelta(seconds=fields["discussion_time"])
        full = half + timedelta(seconds=fields["verification_time"])
        closed = full + timedelta(seconds=fields["voting_time"])
        return created, accepted, half, full, closed

    # The issues, one story each ---------------------------------------------------------------
    # fmt: off

    def _closed_with_winner(self) -> list[_Step]:
        """Transport: two initiatives, an accepted amendment, a cycle that votes; a winner."""
        self.expected["car-free"] = "finished_with_winner"
        created, accepted, half, full, closed = self._phases(STANDARD, -35 * DAY + 9 * HOUR)
        new = {"area": "Transport", "policy": STANDARD}
        return [
            _Step(created, self._propose("car-free/1", "karl", "Car-free city centre on Saturdays",
                  "Close the old town to private cars every Saturday from 10:00 to 18:00.",
                  issue="car-free", **new)),
            _Step(created + HOUR, self._propose("car-free/2", "zoe", "Free park-and-ride",
                  "Make the park-and-ride sites at the city limits free of charge.",
                  issue="car-free")),
            _Step(created + 2 * HOUR, self._support("car-free/1", "karl", "alice")),
            _Step(created + 3 * HOUR, self._support("car-free/2", "zoe", "clara", "grace")),
            _Step(accepted, None),
            _Step(accepted + 2 * HOUR, self._issue_delegation("xena", "karl", "car-free")),
            _Step(accepted + DAY, self._suggest("car-free/s1", "alice", "car-free/1",
                  "Include the Christmas market", "December Saturdays matter most.", degree=1,
                  replacement="Close the old town to private cars every Saturday from 10:00 to "
                  "18:00, and every day of the Christmas market.")),
            _Step(accepted + 2 * DAY, self._accept("karl", "car-free/s1")),
            _Step(accepted + 3 * DAY, self._suggest("car-free/s2", "clara", "car-free/1",
                  "Exempt deliveries before 10:00", "Shops need their morning deliveries.",
                  degree=1)),
            _Step(accepted + 4 * DAY, self._rate("car-free/s2", {"grace": (2, False),
                  "alice": (1, True)})),
            _Step(half, None),
            _Step(full, None),
            _Step(full + 5 * HOUR, self._vote("car-free", {
                "karl": {"car-free/1": 2, "car-free/2": 1},
                "zoe": {"car-free/1": -1, "car-free/2": 2},
                "ben": {"car-free/1": 1, "car-free/2": -1},
            })),
            _Step(full + DAY, self._vote("car-free", {
                "alice": {"car-free/1": 1, "car-free/2": 2},
                "grace": {"car-free/1": 1, "car-free/2": 1},
                "linda": {"car-free/1": 2},
                "clara": {"car-free/2": 1},
            })),
            _Step(closed, None),
        ]

    def _closed_without_winner(self) -> list[_Step]:
        """Housing, fast track: more yes than no, but short of the two-thirds majority."""
        self.expected["rail-yard"] = "finished_without_winner"
        created, accepted, half, full, closed = self._phases(FAST, -24 * DAY + 14 * HOUR)
        return [
            _Step(created, self._propose("rail-yard/1", "grace", "Social housing on the rail yard",
                  "Campaign for 500 social housing units on the old rail yard.",
                  issue="rail-yard", area="Housing", policy=FAST)),
            _Step(created, self._issue_delegation("anna", "ben", "rail-yard")),
            _Step(created, self._support("rail-yard/1", "grace", "ben")),
            _Step(accepted + 4 * HOUR, self._suggest("rail-yard/s1", "alice", "rail-yard/1",
                  "Keep the skate park", "The skate park on the yard must stay.", degree=2)),
            _Step(half, None),
            _Step(full, None),
            _Step(full + 3 * HOUR, self._vote("rail-yard", {
                "grace": {"rail-yard/1": 1},
                "ben": {"rail-yard/1": 2},
                "alice": {"rail-yard/1": -1},
                "karl": {"rail-yard/1": -1},
                "clara": {},
            })),
            _Step(closed, None),
        ]

    def _canceled(self) -> list[_Step]:
        """Environment, fast track: zoe's weighted support (4) stays short of the quorum (6)."""
        self.expected["plastic"] = "canceled_issue_not_accepted"
        created = -15 * DAY + 11 * HOUR
        max_admission = timedelta(seconds=POLICIES[FAST]["max_admission_time"])
        return [
            _Step(created, self._propose("plastic/1", "zoe", "Plastic-free party conferences",
                  "No single-use plastic at any party conference from next year on.",
                  issue="plastic", area="Environment", policy=FAST)),
            _Step(created, self._support("plastic/1", "zoe")),
            _Step(created + max_admission, None),
        ]

    def _voting(self) -> list[_Step]:
        """Environment: in voting with four days left; a few ballots are in."""
        self.expected["solar"] = "voting"
        created, accepted, half, full, _ = self._phases(STANDARD, -18 * DAY + 10 * HOUR)
        return [
            _Step(created, self._propose("solar/1", "uwe", "Solar panels on every party office",
                  "Fit solar panels to every office roof the party owns.",
                  issue="solar", area="Environment", policy=STANDARD)),
            _Step(created + HOUR, self._propose("solar/2", "vera", "Green electricity contract",
                  "Buy certified green electricity for all offices instead.", issue="solar")),
            _Step(created + 2 * HOUR, self._support("solar/1", "uwe", "zoe", "alice")),
            _Step(created + 2 * HOUR, self._support("solar/2", "vera", "zoe")),
            _Step(accepted, None),
            _Step(accepted + DAY, self._issue_delegation("yuri", "zoe", "solar")),
            _Step(accepted + 2 * DAY, self._suggest("solar/s1", "karl", "solar/2",
                  "Name the supplier", "Which supplier, and at what price?", degree=1)),
            _Step(half, None),
            _Step(full, None),
            _Step(full + DAY, self._vote("solar", {
                "zoe": {"solar/1": 2, "solar/2": 1},
                "uwe": {"solar/1": 1, "solar/2": -1},
                "alice": {"solar/1": 1, "solar/2": 1},
            })),
        ]

    def _verification(self) -> list[_Step]:
        """Transport: frozen for verification, three days left; a competitor was revoked."""
        self.expected["night-bus"] = "verification"
        created, accepted, half, *_ = self._phases(STANDARD, -12 * DAY + 16 * HOUR)
        return [
            _Step(created, self._propose("night-bus/1", "quinn", "Night buses on weekends",
                  "Run the four main bus lines all night on Fridays and Saturdays.",
                  issue="night-bus", area="Transport", policy=STANDARD)),
            _Step(created + HOUR, self._propose("night-bus/2", "rita", "Shared night taxis",
                  "Subsidise shared taxis at night instead of buses.", issue="night-bus")),
            _Step(created + 2 * HOUR, self._support("night-bus/1", "quinn", "karl")),
            _Step(created + 2 * HOUR, self._support("night-bus/2", "rita")),
            _Step(accepted, None),
            _Step(accepted + DAY, self._suggest("night-bus/s1", "bob", "night-bus/1",
                  "Add the airport line", "The airport line needs night service most.",
                  degree=2, replacement="Run the four main bus lines and the airport line all "
                  "night on Fridays and Saturdays.")),
            _Step(accepted + 2 * DAY, self._accept("quinn", "night-bus/s1")),
            _Step(accepted + 2 * DAY, self._rate("night-bus/s1", {"bob": (2, True)})),
            _Step(accepted + 3 * DAY, self._revoke("rita", "night-bus/2",
                  pointing_to="night-bus/1")),
            _Step(accepted + 3 * DAY, self._support("night-bus/1", "rita")),
            _Step(half, None),
        ]

    def _discussion(self) -> list[_Step]:
        """Housing: in discussion with four days left; an open amendment, a null issue block."""
        self.expected["co-housing"] = "discussion"
        created, accepted, *_ = self._phases(STANDARD, -4 * DAY + 8 * HOUR)
        return [
            _Step(created, self._propose("co-housing/1", "sam", "Co-housing pilot for members",
                  "Rent one floor of the party building to members as co-housing, at cost.",
                  issue="co-housing", area="Housing", policy=STANDARD)),
            _Step(created + HOUR, self._support("co-housing/1", "sam", "grace", "alice")),
            _Step(accepted, None),
            _Step(accepted + 3 * HOUR, self._issue_delegation("peggy", None, "co-housing")),
            _Step(accepted + DAY, self._suggest("co-housing/s1", "tina", "co-housing/1",
                  "Cap the rent", "At cost can still be expensive: cap it.", degree=2,
                  replacement="Rent one floor of the party building to members as co-housing, "
                  "at cost and at most 400 EUR per room.")),
            _Step(accepted + 2 * DAY, self._rate("co-housing/s1", {"heidi": (1, False),
                  "grace": (-1, False)})),
        ]

    def _admission(self) -> list[_Step]:
        """Transport: one supporter, short of the quorum; eleven days of admission left."""
        self.expected["bike-lanes"] = "admission"
        created = -2 * DAY - 3 * HOUR
        return [
            _Step(created, self._propose("bike-lanes/1", "clara", "Protected bike lanes",
                  "Ask the council for protected bike lanes on Main Street.",
                  issue="bike-lanes", area="Transport", policy=STANDARD)),
            _Step(created + HOUR, self._support("bike-lanes/1", "clara")),
        ]
    # fmt: on
