"""``SMTP_URL``, read once (issue 11): where and how the sender connects. Checked when the
settings load (app/settings.py) and used by the sender (app/mail/send.py)."""

from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None = field(repr=False)  # never in a log line


def parse_smtp_url(url: str) -> SmtpTarget:
    """``smtp://user:password@host:port`` or ``smtps://...``; user and password are
    percent-decoded. A ValueError says what is wrong."""
    wrong = "SMTP_URL must be smtp://[user:password@]host[:port] or smtps://..."
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        raise ValueError(wrong) from None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(wrong)
    implicit_tls = parts.scheme == "smtps"
    return SmtpTarget(
        host=parts.hostname,
        port=port or (465 if implicit_tls else 25),
        implicit_tls=implicit_tls,
        username=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )
