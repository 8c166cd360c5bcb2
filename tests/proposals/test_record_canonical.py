"""The record's serialisation is RFC 8785 (JCS): our streaming encoder and the ``rfc8785``
package agree on sample records, non-ASCII and control characters included (issue 12)."""

from typing import Any

import pytest
import rfc8785
from hypothesis import given
from hypothesis import strategies as st

from proposals.canonical import RowEncoder, Stream, canonical, encode, scalar

SAMPLE: dict[str, Any] = {
    "seq": 2,
    "previous_digest": "ab" * 32,
    "format": "liquidpolicy-record/1",
    "issue": {"id": 7, "closed_at": "2026-12-03T18:00:00Z", "accepted_at": None},
    "inputs": {
        "initiatives": [
            {"id": 1, "name": "Ölpreis senken \u2013 café ✓ 日本語 🗳", "admitted": True},
            {
                "id": 2,
                "name": 'quote " backslash \\ tab \t nl \n ctl \x01 \x1f del \x7f',
                "admitted": False,
            },
            {"id": 3, "name": "line sep \u2028 para sep \u2029 bom \ufeff", "admitted": None},
        ],
        "eligible_member_ids": [1, 2, 3, 2**53 - 1],
        "ballots": [{"member_id": 1, "grades": [{"initiative_id": 1, "grade": -3}]}],
    },
    "results": {"voter_count": 0, "winner_initiative_id": None, "battles": []},
}


def streamed(document: dict[str, Any]) -> dict[str, Any]:
    """The same document with its lists as :class:`Stream`\\ s (generated while writing)."""
    out: dict[str, Any] = {}
    for key, value in document.items():
        if isinstance(value, dict):
            out[key] = streamed(value)
        elif isinstance(value, list):
            out[key] = Stream(iter(value))
        else:
            out[key] = value
    return out


def text(document: Any) -> bytes:
    return "".join(encode(document)).encode()


class TestAgreesWithRfc8785:
    def test_on_a_sample_record(self) -> None:
        assert text(SAMPLE) == rfc8785.dumps(SAMPLE)
        assert canonical(SAMPLE).encode() == rfc8785.dumps(SAMPLE)

    def test_when_the_lists_are_streamed(self) -> None:
        assert text(streamed(SAMPLE)) == rfc8785.dumps(SAMPLE)

    def test_keeps_non_ascii_as_utf8(self) -> None:
        assert "café ✓ 日本語 🗳".encode() in text(SAMPLE)
        assert b"\\u001f" in text(SAMPLE)  # control characters as lowercase \u escapes

    @given(
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
            | st.text(st.characters(exclude_categories=["Cs"])),
            lambda children: (
                st.lists(children, max_size=4)
                | st.dictionaries(st.text(st.characters(max_codepoint=127)), children, max_size=4)
            ),
            max_leaves=20,
        )
    )
    def test_on_generated_values(self, value: Any) -> None:
        assert text(value) == rfc8785.dumps(value)


class TestRefuses:
    @pytest.mark.parametrize("value", [1.5, 2**53, {"key": [0.0]}, {"é": 1}])
    def test_what_rfc8785_would_change(self, value: Any) -> None:
        with pytest.raises((TypeError, ValueError)):
            text(value)


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"]))
)


class TestFastEncoders:
    @given(SCALARS)
    def test_scalar(self, value: Any) -> None:
        assert scalar(value) == canonical(value)

    @given(st.dictionaries(st.sampled_from(["trustee_id", "truster_id", "scope", "a"]), SCALARS))
    def test_row_encoder(self, row: dict[str, Any]) -> None:
        assert RowEncoder(row)(row) == canonical(row)

    @given(st.lists(st.tuples(st.integers(0, 2**31), st.integers(-(2**31), 2**31))))
    def test_in_a_stream(self, grades: list[tuple[int, int]]) -> None:
        encoder = RowEncoder(("initiative_id", "grade"))
        rows = [{"initiative_id": i, "grade": g} for i, g in grades]
        assert text(Stream(rows, encoder)) == rfc8785.dumps(rows)

    def test_refuses_a_row_with_other_keys(self) -> None:
        with pytest.raises(ValueError):
            RowEncoder(("a", "b"))({"a": 1})
