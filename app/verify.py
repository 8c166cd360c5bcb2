"""``liquidpolicy verify``: check a record of a close offline, against a digest, a chain of
records or a running instance (issue 12, item 3). No database: the checks are
:mod:`proposals.verify` (pure); this module reads files and fetches URLs (``urllib`` only)."""

import contextlib
import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, TextIO

from proposals.verify import NotARecord, check_chain, check_digest, load_record, recompute

__all__ = ["BadInput", "verify_command"]

_TIMEOUT = 30  # seconds per request


class BadInput(Exception):
    """A missing file, a document that is not a record, an unreachable URL: exit status 2."""


def _read(path: str) -> dict[str, Any]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror or exc}") from None
    try:
        return load_record(data)
    except NotARecord as exc:
        raise BadInput(f"{path}: {exc}") from None


def _fetch(url: str, token: str | None) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT) as response:
            body: bytes = response.read()
            return body
    except urllib.error.HTTPError as exc:
        detail = ""
        with contextlib.suppress(ValueError, AttributeError, OSError):
            detail = str(json.loads(exc.read()).get("detail", ""))
        raise BadInput(
            f"{url}: the server answered {exc.code}{': ' + detail if detail else ''}"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise BadInput(f"{url}: cannot fetch it ({reason})") from None


def _urls(url: str) -> tuple[str, str]:
    """The record URL and the issue URL, from either (``…/issues/{id}[/record]``)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadInput(f"{url}: not an http(s) URL")
    path = parts.path.rstrip("/")
    issue_path = path[: -len("/record")] if path.endswith("/record") else path
    head, _, last = issue_path.rpartition("/")
    if not last.isdigit() or not head.endswith("/issues"):
        raise BadInput(f"{url}: not the URL of an issue's record (…/api/v1/issues/ID/record)")
    record_url = urllib.parse.urlunsplit(parts._replace(path=issue_path + "/record"))
    issue_url = urllib.parse.urlunsplit(parts._replace(path=issue_path))
    return record_url, issue_url


def _from_url(url: str, token: str | None) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    record_url, issue_url = _urls(url)
    try:
        document = load_record(_fetch(record_url, token))
    except NotARecord as exc:
        raise BadInput(f"{record_url}: {exc}") from None
    try:
        issue = json.loads(_fetch(issue_url, token))
        digest = issue["record_digest"]
    except (ValueError, TypeError, KeyError):
        raise BadInput(f"{issue_url}: not an issue object with a record_digest") from None
    if not isinstance(digest, str):
        raise BadInput(f"{issue_url}: the issue has no record_digest")
    return document, [("the issue's record_digest", digest)]


def _chain(directory: str, after: str | None, digest: str | None) -> list[str]:
    folder = Path(directory)
    if not folder.is_dir():
        raise BadInput(f"{directory}: not a directory")
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise BadInput(f"{directory}: holds no record (*.json)")
    documents = [(path.name, _read(str(path))) for path in paths]
    found: list[str] = []
    for name, document in documents:
        found += [f"{name}: {line}" for line in check_digest(document) + recompute(document)]
    try:
        found += check_chain(documents, after=after)
    except NotARecord as exc:
        raise BadInput(f"{directory}: {exc}") from None
    if digest is not None:
        name, last = max(documents, key=lambda item: item[1]["seq"])
        found += [f"{name}: {line}" for line in check_digest(last, [("--digest", digest)])]
    return found


def verify_command(
    record: str | None,
    *,
    digest: str | None = None,
    url: str | None = None,
    token: str | None = None,
    chain: str | None = None,
    after: str | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Exit status 0 printing "verified", 1 printing what differs, 2 for bad input."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        sources = [s for s in (record, url, chain) if s is not None]
        if len(sources) != 1:
            raise BadInput("give exactly one of RECORD, --url URL or --chain DIR")
        if after is not None and chain is None:
            raise BadInput("--after goes with --chain")
        if token is not None and url is None:
            raise BadInput("--token goes with --url")
        if chain is not None:
            found = _chain(chain, after, digest)
        else:
            trusted: list[tuple[str, str]] = []
            if url is not None:
                document, trusted = _from_url(url, token)
            else:
                document = _read(record or "")
            if digest is not None:
                trusted.append(("--digest", digest))
            if "digest" not in document and not trusted:
                raise BadInput("the record carries no digest: give --digest HEX to check it")
            found = check_digest(document, trusted) + recompute(document)
    except BadInput as exc:
        print(f"error: {exc}", file=err)
        return 2
    if found:
        for line in found:
            print(line, file=out)
        print(f"NOT verified: {len(found)} difference{'s' if len(found) != 1 else ''}", file=out)
        return 1
    print("verified", file=out)
    return 0
