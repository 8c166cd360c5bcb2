"""The one HMAC of the service refuses an empty key (an app that skipped its start-up)."""

import pytest

from app.signing import NoSecretKey, sign


class TestSign:
    def test_an_empty_key_signs_nothing(self) -> None:
        with pytest.raises(NoSecretKey):
            sign("", "anything")

    def test_the_signature_depends_on_key_and_value(self) -> None:
        assert sign("k1", "v") == sign("k1", "v")
        assert sign("k1", "v") != sign("k2", "v")
        assert sign("k1", "v") != sign("k1", "w")
