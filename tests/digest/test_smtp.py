"""Mail transport: SMTP URLs, the SMTP conversation through a real server (plain, STARTTLS,
implicit TLS, authentication), the ``.eml`` outbox, and ``regwatch test-email``."""

from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage
from email.policy import SMTP

import pytest

from regwatch.digest import FileOutbox, MailSettings, SmtpTransport, parse_smtp_url
from regwatch.digest._smtp import redact_url
from regwatch.exceptions import ConfigError, DeliveryError
from tests.support.smtpserver import free_port

SECRET = "s3cr3t-p@ss:word"
SECRET_Q = "s3cr3t-p%40ss%3Aword"


def _message(to: str = "ops@example.org") -> tuple[bytes, str]:
    message = EmailMessage()
    message["From"] = "regwatch@example.org"
    message["To"] = to
    message["Subject"] = "hello"
    message["Message-ID"] = "<test.1@example.org>"
    message.set_content("body text")
    return message.as_bytes(policy=SMTP), "<test.1@example.org>"


# -- URLs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "security", "port", "user"),
    [
        ("smtp://mail.example.org", "plain", 25, None),
        ("smtp://mail.example.org:2525", "plain", 2525, None),
        ("smtp+starttls://bob:pw@mail.example.org", "starttls", 587, "bob"),
        ("smtps://bob:pw@mail.example.org", "tls", 465, "bob"),
        ("smtps://bob%40corp:pw@[::1]:4650", "tls", 4650, "bob@corp"),
    ],
)
def test_smtp_url_schemes_and_default_ports(url, security, port, user):
    parsed = parse_smtp_url(url)
    assert (parsed.security, parsed.port, parsed.username) == (security, port, user)


def test_smtp_url_decodes_the_password_and_never_shows_it():
    parsed = parse_smtp_url(f"smtp+starttls://bob:{SECRET_Q}@mail.example.org:587")
    assert parsed.password == SECRET
    assert SECRET not in str(parsed) and SECRET not in repr(parsed)
    assert str(parsed) == "smtp+starttls://bob:***@mail.example.org:587"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"http://bob:{SECRET_Q}@mail.example.org", "unknown scheme 'http'"),
        (f"smtps://bob:{SECRET_Q}@:465", "no host"),
        (f"smtps://bob:{SECRET_Q}@mail.example.org:99999", "bad host or port"),
        (f"smtps://bob:{SECRET_Q}@mail.example.org:abc", "bad host or port"),
        (f"smtp://bob:{SECRET_Q}@mail.example.org", "would send the password unencrypted"),
        (f"smtps://:{SECRET_Q}@mail.example.org", "a password without a user name"),
        (f"smtps://bob:{SECRET_Q}@mail.example.org/path?x=1", "unexpected path or query"),
    ],
)
def test_bad_smtp_urls_are_refused_without_the_password(url, expected):
    with pytest.raises(ConfigError) as info:
        parse_smtp_url(url)
    message = str(info.value)
    assert expected in message
    assert "REGWATCH_SMTP_URL" in message
    assert SECRET not in message and SECRET_Q not in message


def test_redact_url_masks_only_the_password():
    assert redact_url("smtps://bob:pw@h:465") == "smtps://bob:***@h:465"
    assert redact_url("smtp://h:25") == "smtp://h:25"


def test_mail_settings_from_env(tmp_path):
    settings = MailSettings.from_env(
        {
            "REGWATCH_SMTP_URL": "smtp+starttls://bob:pw@mail.example.org",
            "REGWATCH_MAIL_FROM": "Compliance Bot <bot@example.org>",
            "REGWATCH_OUTBOX": str(tmp_path),
        }
    )
    assert settings.smtp is not None and settings.smtp.host == "mail.example.org"
    assert settings.sender.addr_spec == "bot@example.org"
    assert settings.sender.display_name == "Compliance Bot"
    default = MailSettings.from_env({})
    assert default.smtp is None and str(default.outbox) == "outbox"
    assert isinstance(default.transport(), FileOutbox)


@pytest.mark.parametrize(
    "sender", ["not an address", "a@b.example, c@d.example", "bot@example.org\r\nBcc: x@evil"]
)
def test_a_bad_sender_is_a_config_error(sender):
    with pytest.raises(ConfigError, match="REGWATCH_MAIL_FROM"):
        MailSettings.from_env({"REGWATCH_MAIL_FROM": sender})


# -- the SMTP conversation ----------------------------------------------------------------------


def test_plain_smtp_delivers_and_reports_each_step(mail_server):
    server = mail_server()
    steps: list[str] = []
    transport = SmtpTransport(parse_smtp_url(f"smtp://127.0.0.1:{server.port}"), timeout=5)
    data, msgid = _message()
    where = transport.send(data, msgid, "regwatch@example.org", ["ops@example.org"], steps.append)
    assert where == f"smtp://127.0.0.1:{server.port}"
    assert steps[0] == f"connected to 127.0.0.1:{server.port}"
    assert any("unencrypted" in s for s in steps)
    assert steps[-1] == "accepted for <ops@example.org>"
    (received,) = server.received
    assert received.rcpt_tos == ["ops@example.org"]
    assert received.mail_from == "regwatch@example.org"
    assert received.message["Subject"] == "hello"


def test_starttls_with_authentication(mail_server, certificate, trust):
    server = mail_server(tls="starttls", certificate=certificate, users={"bob": SECRET})
    url = parse_smtp_url(f"smtp+starttls://bob:{SECRET_Q}@localhost:{server.port}")
    steps: list[str] = []
    data, msgid = _message()
    SmtpTransport(url, timeout=5).send(
        data, msgid, "regwatch@example.org", ["a@x.org"], steps.append
    )
    assert any(s.startswith("STARTTLS: encrypted (TLSv1.") for s in steps), steps
    assert "authenticated as 'bob'" in steps
    assert server.auth_attempts == ["bob"]
    assert len(server.received) == 1


def test_implicit_tls_with_authentication(mail_server, certificate, trust):
    server = mail_server(tls="implicit", certificate=certificate, users={"bob": SECRET})
    url = parse_smtp_url(f"smtps://bob:{SECRET_Q}@127.0.0.1:{server.port}")
    steps: list[str] = []
    data, msgid = _message()
    SmtpTransport(url, timeout=5).send(
        data, msgid, "regwatch@example.org", ["a@x.org"], steps.append
    )
    assert steps[0].startswith(f"connected to 127.0.0.1:{server.port} over TLS (TLSv1.")
    assert len(server.received) == 1


def test_wrong_password_fails_clearly_and_never_shows_it(mail_server, certificate, trust):
    server = mail_server(tls="starttls", certificate=certificate, users={"bob": "right"})
    url = parse_smtp_url(f"smtp+starttls://bob:{SECRET_Q}@localhost:{server.port}")
    data, msgid = _message()
    with pytest.raises(DeliveryError) as info:
        SmtpTransport(url, timeout=5).send(data, msgid, "regwatch@example.org", ["a@x.org"])
    message = str(info.value)
    assert "authentication as 'bob' failed: 535" in message
    assert SECRET not in message and SECRET_Q not in message
    assert server.received == []


def test_an_untrusted_certificate_is_refused(mail_server, certificate, monkeypatch, tmp_path):
    empty = tmp_path / "no-ca.pem"
    empty.write_text("")
    monkeypatch.setenv("SSL_CERT_FILE", str(empty))
    server = mail_server(tls="implicit", certificate=certificate)
    url = parse_smtp_url(f"smtps://127.0.0.1:{server.port}")
    data, msgid = _message()
    with pytest.raises(DeliveryError, match=r"TLS handshake failed: .*CERTIFICATE_VERIFY_FAILED"):
        SmtpTransport(url, timeout=5).send(data, msgid, "regwatch@example.org", ["a@x.org"])
    assert server.received == []


def test_starttls_required_but_not_offered(mail_server):
    server = mail_server()
    url = parse_smtp_url(f"smtp+starttls://127.0.0.1:{server.port}")
    data, msgid = _message()
    with pytest.raises(DeliveryError, match="does not offer STARTTLS; refusing to continue"):
        SmtpTransport(url, timeout=5).send(data, msgid, "regwatch@example.org", ["a@x.org"])
    assert server.received == []


def test_nothing_listening(tmp_path):
    port = free_port()
    url = parse_smtp_url(f"smtp://127.0.0.1:{port}")
    data, msgid = _message()
    with pytest.raises(DeliveryError, match=f"cannot connect to 127.0.0.1:{port}: .*refused"):
        SmtpTransport(url, timeout=5).send(data, msgid, "regwatch@example.org", ["a@x.org"])


def test_a_refused_recipient_names_the_server_answer(mail_server):
    server = mail_server(refuse={"gone@example.org"})
    url = parse_smtp_url(f"smtp://127.0.0.1:{server.port}")
    data, msgid = _message("gone@example.org")
    with pytest.raises(DeliveryError) as info:
        SmtpTransport(url, timeout=5).send(
            data, msgid, "regwatch@example.org", ["gone@example.org"]
        )
    assert "recipient refused: <gone@example.org> 550 5.1.1" in str(info.value)


def test_a_server_that_hangs_times_out():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts the connection but never greets
        port = listener.getsockname()[1]
        url = parse_smtp_url(f"smtp://127.0.0.1:{port}")
        data, msgid = _message()
        with pytest.raises(DeliveryError, match="timed out"):
            SmtpTransport(url, timeout=0.3).send(data, msgid, "r@example.org", ["a@x.org"])


# -- the .eml outbox ----------------------------------------------------------------------------


def test_file_outbox_writes_a_whole_message_named_after_its_message_id(tmp_path):
    outbox = FileOutbox(tmp_path / "out")
    data, msgid = _message()
    steps: list[str] = []
    where = outbox.send(data, msgid, "regwatch@example.org", ["ops@example.org"], steps.append)
    path = tmp_path / "out" / "test.1.eml"
    assert where == str(path)
    assert path.read_bytes() == data
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["Subject"] == "hello"
    assert list((tmp_path / "out").iterdir()) == [path]  # no temporary file left behind
    assert "wrote" in steps[0]
    outbox.send(data, msgid, "regwatch@example.org", ["ops@example.org"])  # a retry replaces it
    assert list((tmp_path / "out").iterdir()) == [path]


def test_file_outbox_failure_is_a_delivery_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    data, msgid = _message()
    with pytest.raises(DeliveryError, match="cannot write"):
        FileOutbox(blocker / "out").send(data, msgid, "r@example.org", ["a@x.org"])


# -- regwatch test-email ------------------------------------------------------------------------


def test_test_email_reports_the_conversation(cli, mail_server, certificate, trust, monkeypatch):
    server = mail_server(tls="starttls", certificate=certificate, users={"bob": SECRET})
    monkeypatch.setenv(
        "REGWATCH_SMTP_URL", f"smtp+starttls://bob:{SECRET_Q}@localhost:{server.port}"
    )
    monkeypatch.setenv("REGWATCH_MAIL_FROM", "regwatch@example.org")
    result = cli("test-email", "ops@example.org")
    assert result.code == 0, result
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "sending a test message to ops@example.org from regwatch@example.org via "
        f"smtp+starttls://bob:***@localhost:{server.port}"
    )
    assert f"  connected to localhost:{server.port}" in lines
    assert any(line.startswith("  STARTTLS: encrypted") for line in lines)
    assert "  authenticated as 'bob'" in lines
    assert "  accepted for <ops@example.org>" in lines
    assert lines[-1].startswith("OK: the test message was accepted")
    (received,) = server.received
    assert received.message["Subject"] == "[regwatch] test message"
    assert SECRET not in result.stdout + result.stderr


def test_test_email_failure_exits_1_and_hides_the_password(
    cli, mail_server, certificate, trust, monkeypatch
):
    server = mail_server(tls="starttls", certificate=certificate, users={"bob": "other"})
    monkeypatch.setenv(
        "REGWATCH_SMTP_URL", f"smtp+starttls://bob:{SECRET_Q}@localhost:{server.port}"
    )
    result = cli("test-email", "ops@example.org")
    assert result.code == 1, result
    assert "FAILED: " in result.stderr and "authentication as 'bob' failed: 535" in result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert SECRET_Q not in result.stdout + result.stderr


def test_test_email_refused_recipient_exits_1(cli, mail_server, monkeypatch):
    server = mail_server(refuse={"gone@example.org"})
    monkeypatch.setenv("REGWATCH_SMTP_URL", f"smtp://127.0.0.1:{server.port}")
    result = cli("test-email", "gone@example.org")
    assert result.code == 1
    assert "recipient refused: <gone@example.org> 550" in result.stderr


def test_test_email_server_down_exits_1(cli, monkeypatch):
    port = free_port()
    monkeypatch.setenv("REGWATCH_SMTP_URL", f"smtp://127.0.0.1:{port}")
    result = cli("test-email", "ops@example.org")
    assert result.code == 1
    assert f"FAILED: cannot connect to 127.0.0.1:{port}" in result.stderr


def test_test_email_bad_url_exits_2(cli, monkeypatch):
    monkeypatch.setenv("REGWATCH_SMTP_URL", f"smtp://bob:{SECRET_Q}@mail.example.org")
    result = cli("test-email", "ops@example.org")
    assert result.code == 2
    assert "REGWATCH_SMTP_URL" in result.stderr and "unencrypted" in result.stderr
    assert SECRET not in result.stderr and SECRET_Q not in result.stderr


def test_test_email_bad_address_exits_2(cli, monkeypatch, tmp_path):
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    result = cli("test-email", "ops@example.org\r\nBcc: victim@example.org")
    assert result.code == 2
    assert "control characters" in result.stderr
    assert not (tmp_path / "out").exists()


def test_test_email_without_smtp_writes_the_outbox(cli, monkeypatch, tmp_path):
    monkeypatch.delenv("REGWATCH_SMTP_URL", raising=False)
    monkeypatch.setenv("REGWATCH_OUTBOX", str(tmp_path / "out"))
    result = cli("test-email", "ops@example.org")
    assert result.code == 0, result
    assert f"via outbox {tmp_path / 'out'}" in result.stdout
    (path,) = (tmp_path / "out").glob("*.eml")
    parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "ops@example.org"
    assert "no SMTP server configured" in result.stdout


def test_a_user_name_with_an_at_sign_is_shown_percent_encoded():
    parsed = parse_smtp_url("smtp+starttls://bot%40acme.example:pw@smtp.acme.example")
    assert parsed.username == "bot@acme.example"
    assert str(parsed) == "smtp+starttls://bot%40acme.example:***@smtp.acme.example:587"
