"""Composing e-mails in the app (issue 11): the templates and absolute links for
:mod:`proposals.services.mail_plan`, which decides who gets which e-mail when, and one whole
notification pass (:func:`notify_pass`).

:func:`links_for` builds the absolute links of an e-mail (the signed ones through
:mod:`app.mail.links`).
"""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.db import Database
from app.mail import links
from app.mail.render import RenderedEmail, render_email
from app.mail.verification import message_domain
from app.settings import Settings
from app.web.notifications import where_to_act
from proposals.clock import Clock, utcnow
from proposals.errors import NotFound
from proposals.models import Member, Notification
from proposals.services.mail_plan import Composed, Mail, Render, compose_pending, preview_digest
from proposals.services.notifications import FanOut, fan_out_pending
from proposals.services.reminders import derive_reminders

DEFAULT_PUBLIC_URL = "http://localhost:8000"

WHY = {
    "immediately": "you chose to hear of each notification at once",
    "daily": "you chose a daily digest of your notifications",
    "weekly": "you chose a weekly digest of your notifications",
    "never": "you turned e-mail off",
}


@dataclass(frozen=True)
class Act:
    """Where the member acts on a notification: an absolute link and its words."""

    href: str
    label: str


@dataclass(frozen=True)
class Links:
    """The absolute links of one member's e-mail."""

    base: str
    settings: str
    unsubscribe: str

    def act(self, note: Notification) -> Act:
        """The page where the member acts on ``note`` (the in-app inbox's own rule)."""
        entry = where_to_act(note)
        return Act(self.base + entry.href, entry.label)

    @property
    def inbox(self) -> str:
        return self.base + "/me/notifications"


def links_for(settings: Settings, member_id: int) -> Links:
    """The one place that builds an e-mail's links (signed ones by :mod:`app.mail.links`).
    ``PUBLIC_URL`` is always set when e-mail is sent (app/settings.py); only ``notify
    --preview`` may run without it, and then shows links to ``DEFAULT_PUBLIC_URL``."""
    base = settings.public_url or DEFAULT_PUBLIC_URL
    return Links(
        base=base,
        settings=links.settings_url(settings, base=base),
        unsubscribe=links.unsubscribe_url(settings, member_id, base=base),
    )


def renderer(settings: Settings) -> Render:
    """``render`` for :func:`~proposals.services.mail_plan.compose_due`: a :class:`Mail` through
    ``templates/email/KIND.txt`` and ``.html``."""

    def render(mail: Mail) -> RenderedEmail:
        return render_email(
            mail.kind, mail=mail, links=links_for(settings, mail.member_id), why=WHY[mail.frequency]
        )

    return render


def with_secret_key(database: Database, settings: Settings) -> Settings:
    """``settings`` with the installation's stored ``SECRET_KEY`` when none is configured, as the
    app's start-up does: the signed links of e-mails need it outside a request too (the CLI)."""
    if settings.secret_key:
        return settings
    from app.main import instance_secret_key  # app.main may import this module

    return settings.model_copy(update={"secret_key": instance_secret_key(database)})


def compose(database: Database, settings: Settings, *, clock: Clock = utcnow) -> Composed | None:
    """One composing pass, only when ``SMTP_URL`` is set: without it nothing is queued and no
    watermark moves (answers None), so e-mail turned on later starts from everything unmailed."""
    if not settings.smtp_url:
        return None
    settings = with_secret_key(database, settings)
    return compose_pending(
        database,
        cap=settings.email_daily_cap,
        digest_hour=settings.digest_hour,
        domain=message_domain(settings),
        render=renderer(settings),
        clock=clock,
    )


@dataclass(frozen=True)
class NotifyPass:
    reminders: int
    fanned_out: FanOut
    composed: Composed | None


def notify_pass(database: Database, settings: Settings, *, clock: Clock = utcnow) -> NotifyPass:
    """One notification pass (``liquidpolicy notify``; the server's background loop can call
    the same): record the delegates' due reminders, fan every pending cause out, then compose
    the due e-mails when ``SMTP_URL`` is set. Sending is the sender's step, after this one."""
    with database.session(write=True) as session:
        reminders = derive_reminders(session, now=clock(), hours=settings.reminder_hours)
        session.commit()
    fanned_out = fan_out_pending(database, clock=clock)
    return NotifyPass(reminders, fanned_out, compose(database, settings, clock=clock))


def preview(session: Session, settings: Settings, name: str) -> str:
    """``liquidpolicy notify --preview NAME``: the text of the member's next digest (reads only;
    whatever their frequency, address or ``SMTP_URL``)."""
    member = session.exec(select(Member).where(Member.name == name)).first()
    if member is None:
        raise NotFound(f"no member named {name!r}")
    mail = preview_digest(session, member)
    if mail is None:
        return f"Nothing to send to {name}: no pending notification of a kind they want."
    rendered = renderer(settings)(mail)
    head = f"To: {mail.to_address or '(no address)'} ({mail.frequency})"
    return f"{head}\nSubject: {rendered.subject}\n\n{rendered.text}"
