"""The server as its own shared cache: public API reads answered from memory for ``max-age``.

Every anonymous ``200`` to a ``GET`` under ``/api/v1`` already says ``Cache-Control: public,
max-age=HTTP_CACHE_MAX_AGE`` (:mod:`app.caching`): any shared cache in front of the server may
answer it, unchanged, for that long. :class:`PublicReadCache` is such a cache inside each server
process, so that the busiest reads — the same issue, initiative or draft asked for again and
again — cost no session, no query and no ORM object:

* kept: the answer of an anonymous ``GET`` (no ``Authorization``, no session cookie) under
  ``/api/v1`` that was ``200``, per path and query string, for ``max_age`` seconds from when it
  was made (``Age`` tells how old it is); at most :data:`MAX_ENTRIES` answers of at most
  :data:`MAX_BODY` bytes, the least recently used going first;
* answered from it: a later anonymous ``GET`` of the same URL — ``200`` with the stored body, or
  ``304`` when its ``If-None-Match`` names the stored ETag (:func:`app.caching.apply_caching`
  runs on the stored answer as on a fresh one, so both carry the same headers);
* emptied: by every successful write through the same process, so a process never shows anyone
  an answer older than its own last write. Writes through other processes and the background
  work show within ``max_age``, as through any shared cache.

A member's reads (with a token or a session) are never cached here: they may show more.
``HTTP_CACHE_MAX_AGE=0`` turns the cache off along with the public caching it mirrors.
"""

import time
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import Scope

from app.caching import API_PREFIX, Headers, is_personal

MAX_ENTRIES = 4096
MAX_BODY = 256 * 1024
_now = time.monotonic  # seconds; replaced in tests


@dataclass(frozen=True)
class Entry:
    made: float
    headers: Headers
    body: bytes


class PublicReadCache:
    """Public API answers of this process, each for ``max_age`` seconds (see the module)."""

    def __init__(self, max_age: int) -> None:
        self.max_age = max_age
        self.generation = 0  # counts the clears: an answer begun before one is not kept
        self._entries: OrderedDict[tuple[str, bytes], Entry] = OrderedDict()

    @staticmethod
    def _key(scope: Scope) -> tuple[str, bytes] | None:
        if (
            scope["method"] != "GET"
            or not scope["path"].startswith(API_PREFIX)
            or is_personal(scope)
        ):
            return None
        return scope["path"], scope.get("query_string", b"")

    def get(self, scope: Scope) -> tuple[int, Headers, bytes] | None:
        """The stored ``200`` answer to this request (with ``Age``), or None."""
        key = self._key(scope) if self.max_age > 0 else None
        entry = self._entries.get(key) if key is not None else None
        if key is None or entry is None:
            return None
        age = _now() - entry.made
        if age >= self.max_age:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return 200, [*entry.headers, (b"age", b"%d" % age)], entry.body

    def put(
        self, scope: Scope, status: int, headers: Headers, body: bytes, *, generation: int
    ) -> None:
        """Keep the answer a read produced, when it is one to keep: ``generation`` is the
        cache's :attr:`generation` when the read began (a write committed since may be missing
        from the answer)."""
        key = self._key(scope) if self.max_age > 0 else None
        if key is None or status != 200 or len(body) > MAX_BODY or generation != self.generation:
            return
        if any(k.lower() in (b"cache-control", b"set-cookie") for k, _ in headers):
            return  # the route decided its caching itself, or speaks for someone
        self._entries[key] = Entry(_now(), list(headers), body)
        self._entries.move_to_end(key)
        while len(self._entries) > MAX_ENTRIES:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self.generation += 1
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
