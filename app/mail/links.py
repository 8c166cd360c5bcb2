"""The signed links of e-mails (issue 11): address verification and one-click unsubscribe.

Both are HMACs under the installation's key (:func:`app.signing.sign`), cut to 128 bits, so a
link cannot be guessed and works for its own member only:

* verification: ``/email/verify?token=MEMBER.EXPIRES.MAC`` over the member id, the expiry (Unix
  seconds) and the address it was sent to; :data:`VERIFICATION_HOURS` long. The address is not in
  the link: the check recomputes the MAC with the member's current address, so a link sent to an
  address the member has since changed no longer matches;
* unsubscribe: ``/email/unsubscribe?token=MEMBER.MAC`` over the member id and a purpose string;
  it never expires (RFC 8058 links live in old e-mails).

Links are absolute, under ``PUBLIC_URL`` (which ``SMTP_URL`` requires: app/settings.py); ``base``
stands in for it only where no e-mail is sent (``notify --preview``, tests), and without either
there is no link: :class:`NoPublicUrl`.
"""

import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from app.settings import Settings
from app.signing import sign

VERIFICATION_HOURS = 48
VERIFICATION_VALID = timedelta(hours=VERIFICATION_HOURS)
VERIFY_PATH = "/email/verify"
UNSUBSCRIBE_PATH = "/email/unsubscribe"
SETTINGS_PATH = "/me/notifications/settings"
_MAC_CHARS = 32  # 128 bits of the HMAC-SHA256, in hex
_ID_MAX = 2**31 - 1


class NoPublicUrl(RuntimeError):
    """An absolute link is needed where there is no request to take the address from."""


def public_base(settings: Settings, base: str | None = None) -> str:
    """``PUBLIC_URL``, else ``base`` (a request's own address); never ends with ``/``."""
    found = settings.public_url or (base.rstrip("/") if base else None)
    if not found:
        raise NoPublicUrl("PUBLIC_URL must be set for links in e-mails (the sender has no request)")
    return found


def _mac(settings: Settings, value: str) -> str:
    return sign(settings.secret_key, value)[:_MAC_CHARS]


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _member_id(text: str) -> int | None:
    if not text.isdigit() or len(text) > 10 or not 1 <= int(text) <= _ID_MAX:
        return None
    return int(text)


# Unsubscribe ----------------------------------------------------------------------------------


def unsubscribe_token(settings: Settings, member_id: int) -> str:
    return f"{member_id}.{_mac(settings, f'unsubscribe|{member_id}')}"


def unsubscribe_member(settings: Settings, token: str) -> int | None:
    """The member an unsubscribe token was made for; None for anything not made here."""
    member_text, _, mac = token.partition(".")
    member_id = _member_id(member_text)
    if member_id is None or not _same(mac, _mac(settings, f"unsubscribe|{member_id}")):
        return None
    return member_id


def unsubscribe_url(settings: Settings, member_id: int, *, base: str | None = None) -> str:
    """The member's absolute one-click unsubscribe link (``List-Unsubscribe``, RFC 8058)."""
    token = unsubscribe_token(settings, member_id)
    return f"{public_base(settings, base)}{UNSUBSCRIBE_PATH}?token={quote(token)}"


def settings_url(settings: Settings, *, base: str | None = None) -> str:
    """The absolute address of the notification settings page (a login is asked for there)."""
    return public_base(settings, base) + SETTINGS_PATH


# Verification ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationClaim:
    """What a verification token says, before its MAC is checked against an address."""

    member_id: int
    expires_at: datetime
    mac: str


def _verification_value(member_id: int, expires: int, address: str) -> str:
    return f"verify|{member_id}|{expires}|{address}"


def verification_token(
    settings: Settings, member_id: int, address: str, expires_at: datetime
) -> str:
    expires = int(expires_at.timestamp())
    mac = _mac(settings, _verification_value(member_id, expires, address))
    return f"{member_id}.{expires}.{mac}"


def read_verification(token: str) -> VerificationClaim | None:
    """The token's parts; None when it is malformed (nothing is trusted until
    :func:`verification_matches`)."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    member_id = _member_id(parts[0])
    if member_id is None or not parts[1].isdigit() or len(parts[1]) > 11:
        return None
    expires_at = datetime.fromtimestamp(int(parts[1]), UTC)
    return VerificationClaim(member_id=member_id, expires_at=expires_at, mac=parts[2])


def verification_matches(settings: Settings, claim: VerificationClaim, address: str) -> bool:
    """Whether the token was made here for this member, this expiry and ``address``."""
    expires = int(claim.expires_at.timestamp())
    expected = _mac(settings, _verification_value(claim.member_id, expires, address))
    return _same(claim.mac, expected)


def verification_url(
    settings: Settings,
    member_id: int,
    address: str,
    expires_at: datetime,
    *,
    base: str | None = None,
) -> str:
    """The absolute verification link for ``address``, valid until ``expires_at``."""
    token = verification_token(settings, member_id, address, expires_at)
    return f"{public_base(settings, base)}{VERIFY_PATH}?token={quote(token)}"
