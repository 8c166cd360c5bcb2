"""Settings read from the environment (and an optional ``.env`` file)."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.mail.smtp_url import parse_smtp_url

DEFAULT_DATABASE_URL = "sqlite:///liquidpolicy.db"


class PublicAccess(StrEnum):
    """What a request without a token may read (DESIGN.md §5, LiquidFeedback's levels)."""

    NONE = "none"
    ANONYMOUS = "anonymous"
    PSEUDONYM = "pseudonym"
    FULL = "full"


class Settings(BaseSettings):
    """Every knob of the service; each one is an environment variable of the same name."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    public_access: PublicAccess = PublicAccess.PSEUDONYM
    lifecycle_interval: Annotated[int, Field(ge=0)] = 60
    # Server processes of `liquidpolicy serve` (its --workers); above 1 needs PostgreSQL.
    workers: Annotated[int, Field(ge=1)] = 1
    token_lifetime: Annotated[int, Field(ge=60)] = 86400
    # Empty: generated once and kept in the database (table instance_secret), shared by every
    # worker and every restart; filled in when the app starts (app/main.py).
    secret_key: str = ""
    argon2_time_cost: Annotated[int, Field(ge=1)] = 3
    argon2_memory_cost: Annotated[int, Field(ge=8)] = 65536
    argon2_parallelism: Annotated[int, Field(ge=1)] = 4
    max_body_bytes: Annotated[int, Field(ge=1024)] = 1_048_576
    http_cache_max_age: Annotated[int, Field(ge=0)] = 5
    login_failures_per_account: Annotated[int, Field(ge=1)] = 10
    login_failures_per_address: Annotated[int, Field(ge=1)] = 100
    login_throttle_window: Annotated[int, Field(ge=1)] = 900
    log_level: str = "INFO"
    log_json: bool = False
    public_url: str | None = None
    # E-mail (issue 11): unset SMTP_URL means in-app notifications only.
    # smtp://user:password@host:port (STARTTLS when offered) or smtps://... (implicit TLS).
    smtp_url: str | None = None
    mail_from: str = "Liquid Policy <liquidpolicy@localhost>"
    digest_hour: Annotated[int, Field(ge=0, le=23)] = 6
    email_daily_cap: Annotated[int, Field(ge=1)] = 3
    # The delegates' last-day reminder goes out this many hours before voting ends.
    reminder_hours: Annotated[int, Field(ge=1)] = 24
    # The live event stream (GET /api/v1/events/stream, issue 14): a comment after this many
    # seconds without an event, a look at the feed this often, and at most this many open streams
    # per process (beyond: 503 with Retry-After).
    stream_heartbeat: Annotated[float, Field(gt=0)] = 15.0
    stream_poll: Annotated[float, Field(gt=0)] = 1.0
    stream_max: Annotated[int, Field(ge=1)] = 100
    # Webhooks (issue 14): seconds to wait for an endpoint; WEBHOOK_ALLOW_PRIVATE=true lets
    # webhooks reach loopback and private addresses -- for tests only (app/webhooks/address.py).
    webhook_timeout: Annotated[float, Field(gt=0, le=60)] = 10.0
    webhook_allow_private: bool = False

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        """``https://example.org`` or ``https://example.org/prefix``, kept without a final ``/``;
        empty means unset (links then follow the request's own address)."""
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        scheme, _, rest = value.partition("://")
        if scheme not in ("http", "https") or not rest or any(c in rest for c in "?#\\ "):
            raise ValueError("PUBLIC_URL must be an http:// or https:// address without ? or #")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        """``smtp://[user:password@]host[:port]`` or ``smtps://...``; empty means unset."""
        if value is None or not value.strip():
            return None
        parse_smtp_url(value.strip())  # a ValueError says what is wrong
        return value.strip()

    @model_validator(mode="after")
    def _mail_needs_public_url(self) -> "Settings":
        """E-mail links are absolute, and the background sender has no request to copy them
        from: ``SMTP_URL`` needs ``PUBLIC_URL``."""
        if self.smtp_url is not None and self.public_url is None:
            raise ValueError("SMTP_URL is set but PUBLIC_URL is not: e-mail links need PUBLIC_URL")
        return self
