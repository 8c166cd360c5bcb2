"""Absolute links in e-mails.

PLACEHOLDER (branch i11-send): the settings branch (i11-settings) writes the real
``unsubscribe_url``; this stand-in exists only so the sender's ``List-Unsubscribe`` header can be
built and tested, and is to be replaced by that module at merge.
"""

from app.settings import Settings
from app.signing import sign


def unsubscribe_url(settings: Settings, member_id: int) -> str:
    """The member's one-click unsubscribe link (HMAC-signed, under ``PUBLIC_URL``)."""
    signature = sign(settings.secret_key, f"unsubscribe:{member_id}")
    return f"{settings.public_url}/unsubscribe/{member_id}/{signature}"
