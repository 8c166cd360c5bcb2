"""One signed POST to a checked address (issue 14, item 3; the Standard Webhooks specification).

The request carries ``webhook-id`` (the delivery's, the same on every retry), ``webhook-timestamp``
(seconds since the epoch, of this attempt) and ``webhook-signature``: ``v1,`` followed by the
base64 HMAC-SHA256, keyed with the base64-decoded secret after its ``whsec_`` prefix, of
``{webhook-id}.{webhook-timestamp}.{body}``.

The connection goes to :attr:`Target.address`, the address :func:`app.webhooks.address.check_url`
checked, with the URL's host name in the ``Host`` header and, over https, in SNI and the
certificate check: no second name lookup. ``http.client`` follows no redirects, and neither does
this: a 3xx answer is a failed attempt like any other answer outside 2xx.
"""

import base64
import hashlib
import hmac
import http.client
import socket
import ssl
from dataclasses import dataclass

from app.webhooks.address import Target

__all__ = ["Answer", "post", "sign", "signed_headers"]

USER_AGENT = "LiquidPolicy-Webhooks/1"
READ_AT_MOST = 65536
"""Bytes of an answer's body read (and thrown away) before the connection is closed."""


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: ``v1,<base64 HMAC-SHA256>`` (Standard Webhooks)."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Every header of a delivery."""
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
    }


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to a fixed address, naming ``host`` in the ``Host`` header."""

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.address = target.address

    def _open(self) -> socket.socket:
        return socket.create_connection((self.address, self.port), self.timeout)

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """The same over TLS: SNI and the certificate check name ``host``."""

    default_port = 443

    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target, timeout)
        self.context = ssl.create_default_context()

    def connect(self) -> None:
        self.sock = self.context.wrap_socket(self._open(), server_hostname=self.host)


@dataclass(frozen=True)
class Answer:
    """How an attempt went: the HTTP status (None: no answer) and, on failure, why."""

    status: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST ``body`` to ``target``; never raises for a network or protocol failure."""
    connection: _PinnedHTTPConnection = (
        _PinnedHTTPSConnection(target, timeout)
        if target.scheme == "https"
        else _PinnedHTTPConnection(target, timeout)
    )
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(READ_AT_MOST)
        status = response.status
    except (OSError, http.client.HTTPException, ValueError) as exc:
        return Answer(None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        connection.close()
    if 200 <= status < 300:
        return Answer(status, None)
    if 300 <= status < 400:
        return Answer(status, f"answered {status}; redirects are not followed")
    return Answer(status, f"answered {status}")
