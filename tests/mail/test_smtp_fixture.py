"""The suite's SMTP server (tests/smtp.py) receives, parses and scripts its replies."""

import smtplib
from email.message import EmailMessage

import pytest

from tests.smtp import SmtpServer


def _send(server: SmtpServer, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["To"] = "b@example.org"
    message["Subject"] = subject
    message.set_content("plain")
    message.add_alternative("<p>html</p>", subtype="html")
    with smtplib.SMTP(server.host, server.port, timeout=30) as client:
        client.send_message(message)


def test_receives_a_multipart_message(smtp_server: SmtpServer) -> None:
    _send(smtp_server, "Hello")
    [received] = smtp_server.messages
    assert received.mail_from == "a@example.org"
    assert received.rcpt_tos == ["b@example.org"]
    assert received.message["Subject"] == "Hello"
    assert received.text.strip() == "plain"
    assert received.html.strip() == "<p>html</p>"


def test_scripted_replies_then_accepts(smtp_server: SmtpServer) -> None:
    smtp_server.reply("451 4.3.0 Try again later")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        _send(smtp_server, "first")
    assert refused.value.smtp_code == 451
    _send(smtp_server, "second")
    assert [r.message["Subject"] for r in smtp_server.messages] == ["second"]
    assert [r.reply[:3] for r in smtp_server.attempts] == ["451", "250"]


def test_always_refuses(smtp_server: SmtpServer) -> None:
    smtp_server.always("550 5.1.1 No such user")
    for _ in range(2):
        with pytest.raises(smtplib.SMTPDataError):
            _send(smtp_server, "x")
    assert smtp_server.messages == []
    assert len(smtp_server.attempts) == 2
