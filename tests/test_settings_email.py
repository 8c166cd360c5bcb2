"""E-mail settings are checked when the service starts, not when the first e-mail fails."""

import pytest
from pydantic import ValidationError

from tests.conftest import settings_for_tests


def test_smtp_without_public_url_is_refused() -> None:
    """Links in an e-mail must be absolute, and the background sender has no request to copy."""
    with pytest.raises(ValidationError, match="PUBLIC_URL"):
        settings_for_tests(smtp_url="smtp://127.0.0.1:25")


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "127.0.0.1:25", "smtp://h:x"])
def test_an_smtp_url_that_is_not_one_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="SMTP_URL"):
        settings_for_tests(smtp_url=url, public_url="https://vote.example.org")


@pytest.mark.parametrize(
    "url", ["smtp://127.0.0.1:2525", "smtps://u:p@mail.example:465", "smtp://mail.example"]
)
def test_smtp_urls(url: str) -> None:
    settings = settings_for_tests(smtp_url=url, public_url="https://vote.example.org")
    assert settings.smtp_url == url


def test_empty_smtp_url_means_no_email() -> None:
    assert settings_for_tests(smtp_url="  ").smtp_url is None
