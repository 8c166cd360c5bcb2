"""RFC 8785 (JSON Canonicalization Scheme) for the values a record holds, written in pieces.

Pure: no database, no I/O, so an offline verifier can use it beside ``delegation/``. For
integers of at most 53 bits, strings, booleans, null, arrays and objects with ASCII keys, RFC 8785
is exactly ``json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``
(UTF-8, non-ASCII unescaped, control characters as lowercase ``\\u00xx``); floats, larger
integers and non-ASCII keys (sorted by UTF-16 code units there) are refused instead.
"""

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from typing import Any

__all__ = ["RowEncoder", "Stream", "canonical", "encode", "scalar"]

SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE doubles: larger integers would not survive
_BATCH = 10_000  # items of a stream joined at once


def canonical(value: Any) -> str:
    """RFC 8785 for integers, strings, booleans, null, arrays and objects with ASCII keys.

    >>> canonical({"b": "é", "a": [1, None, True]})
    '{"a":[1,null,true],"b":"é"}'
    """
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class Stream:
    """A JSON array whose items are produced only while the record is written, each encoded by
    ``encoder`` (which must give :func:`canonical`'s text, only faster)."""

    def __init__(self, items: Iterable[Any], encoder: Callable[[Any], str] | None = None) -> None:
        self.items = items
        self.encoder = encoder or canonical


def scalar(value: Any) -> str:
    """:func:`canonical` of an integer, string, boolean or null, without ``json.dumps`` for the
    common cases (a record has millions of them)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int and -SAFE_INTEGER <= value <= SAFE_INTEGER:
        return str(value)
    _check(value)
    return canonical(value)


class RowEncoder:
    """:func:`canonical` of flat objects with the given keys and scalar values, fast.

    >>> RowEncoder(("weight", "member_id", "scope"))({"member_id": 3, "weight": 1, "scope": None})
    '{"member_id":3,"scope":null,"weight":1}'
    """

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = sorted(keys)
        self.prefixes = [
            ("{" if i == 0 else ",") + canonical(k) + ":" for i, k in enumerate(self.keys)
        ]

    def __call__(self, row: Mapping[str, Any]) -> str:
        if len(row) != len(self.keys):
            raise ValueError(f"a row with keys {sorted(row)}, not {self.keys}")
        if not self.keys:
            return "{}"
        return (
            "".join([p + scalar(row[k]) for p, k in zip(self.prefixes, self.keys, strict=True)])
            + "}"
        )


def _check(value: Any) -> None:
    """Refuse what RFC 8785 would change or JSON cannot carry: floats, huge ints, odd keys."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int):
        if abs(value) > SAFE_INTEGER:
            raise ValueError(f"integer {value} is outside the range RFC 8785 keeps exact")
        return
    if isinstance(value, list):
        for item in value:
            _check(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key.isascii():
                raise ValueError(f"record keys are ASCII strings, not {key!r}")
            _check(item)
        return
    raise TypeError(f"a record holds no {type(value).__name__}: {value!r}")


def encode(document: Any) -> Iterator[str]:
    """The canonical text of ``document`` in pieces, in order; :class:`Stream` values are
    generated lazily (their items are small values, encoded one by one)."""
    if isinstance(document, Stream):
        yield "["
        items, encoder, separator = iter(document.items), document.encoder, ""
        while batch := list(islice(items, _BATCH)):
            yield separator + ",".join([encoder(item) for item in batch])
            separator = ","
        yield "]"
    elif isinstance(document, dict):
        yield "{"
        for index, key in enumerate(sorted(document)):
            if not isinstance(key, str) or not key.isascii():
                raise ValueError(f"record keys are ASCII strings, not {key!r}")
            yield ("," if index else "") + canonical(key) + ":"
            yield from encode(document[key])
        yield "}"
    else:
        _check(document)
        yield canonical(document)
