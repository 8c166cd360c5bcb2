"""The one HMAC of the service: CSRF tokens, flash messages, device cookies and the links of
e-mails (app/mail/links.py) are signed here."""

import hashlib
import hmac


class NoSecretKey(RuntimeError):
    """Nothing may be signed before the app's start-up has loaded the installation's key."""


def sign(secret_key: str, value: str) -> str:
    """HMAC-SHA256 of ``value`` under ``secret_key``; never with an empty key (an app used
    without its start-up, which loads the stored key, fails loudly instead of signing weakly)."""
    if not secret_key:
        raise NoSecretKey("SECRET_KEY is empty: the app's start-up has not loaded the stored key")
    return hmac.new(secret_key.encode(), value.encode(), hashlib.sha256).hexdigest()
