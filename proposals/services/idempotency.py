"""Stored first answers of writes sent with an ``Idempotency-Key`` (API.md conventions).

Records belong to the token (credential) that sent the first request, never to its member: a
replay only ever goes back to that same token (issue 9).
"""

from datetime import timedelta

from sqlmodel import Session, col, delete, select

from proposals.clock import Clock, utcnow
from proposals.models import IdempotencyRecord

KEEP_FOR = timedelta(hours=24)


def find_record(
    session: Session, *, api_token_id: int, method: str, path: str, key: str, clock: Clock = utcnow
) -> IdempotencyRecord | None:
    """API.md: a key is scoped to (credential, method, path) and kept 24 hours."""
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_token_id == api_token_id,
            IdempotencyRecord.method == method,
            IdempotencyRecord.path == path,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_at > clock() - KEEP_FOR,
        )
    ).first()


def store_record(
    session: Session,
    *,
    api_token_id: int,
    method: str,
    path: str,
    key: str,
    request_hash: str,
    status_code: int,
    content_type: str | None,
    body: bytes,
    clock: Clock = utcnow,
) -> None:
    """Keep a successful answer; an expired record under the same key makes room for it."""
    now = clock()
    session.exec(
        delete(IdempotencyRecord).where(
            col(IdempotencyRecord.api_token_id) == api_token_id,
            col(IdempotencyRecord.method) == method,
            col(IdempotencyRecord.path) == path,
            col(IdempotencyRecord.key) == key,
            col(IdempotencyRecord.created_at) <= now - KEEP_FOR,
        )
    )
    session.add(
        IdempotencyRecord(
            api_token_id=api_token_id,
            method=method,
            path=path,
            key=key,
            request_hash=request_hash,
            status_code=status_code,
            content_type=content_type,
            body=body,
            created_at=now,
        )
    )
    session.flush()


def purge_expired(session: Session, *, clock: Clock = utcnow) -> int:
    """Delete every record older than 24 hours; returns how many."""
    result = session.exec(
        delete(IdempotencyRecord).where(col(IdempotencyRecord.created_at) <= clock() - KEEP_FOR)
    )
    return int(result.rowcount)
