"""How digests are built and sent: the ``digest`` section of ``sources.yaml``, and the mail
settings from the environment (``REGWATCH_SMTP_URL``, ``REGWATCH_MAIL_FROM``, ``REGWATCH_OUTBOX``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.policy import default as default_policy
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ..exceptions import ConfigError
from ._smtp import FileOutbox, SmtpTransport, SmtpUrl, Transport, parse_smtp_url

__all__ = ["DEFAULT_OUTBOX", "DigestSettings", "MailSettings", "parse_address"]

DEFAULT_OUTBOX = "outbox"
DEFAULT_SENDER = "regwatch@localhost"


class DigestSettings(BaseModel):
    """The ``digest`` section of ``sources.yaml``."""

    model_config = ConfigDict(extra="forbid")

    max_items: int = Field(
        100,
        ge=1,
        description="items listed in one digest; the rest are counted as '+N more' with the "
        "command that lists them (a digest is never split into several e-mails)",
    )
    retry_delay: float = Field(
        60.0, ge=0, description="seconds before a failed delivery is retried; doubles each time"
    )
    max_retry_delay: float = Field(
        6 * 3600.0, ge=0, description="longest wait between two retries (they never give up)"
    )
    smtp_timeout: float = Field(30.0, gt=0, description="seconds to wait for the SMTP server")
    check_every: float = Field(
        60.0, gt=0, description="seconds between two looks for due digests in the daemon"
    )
    web_url: str | None = Field(
        None,
        pattern=r"^https?://[^\s]+$",
        description="base URL of regwatch's web page; when set, digests carry a one-click "
        "unsubscribe link (RFC 8058) to WEB_URL/unsubscribe/TOKEN and chat messages link to "
        "WEB_URL/review/events/ID (the event's review page); otherwise List-Unsubscribe is a "
        "mailto to the operator",
    )
    webhook_timeout: float = Field(
        10.0, gt=0, description="seconds to wait for a webhook receiver's answer"
    )
    webhook_retry_hours: float = Field(
        24.0,
        gt=0,
        description="hours a failing webhook or chat delivery is retried before it is given up "
        "(status expired); e-mail is retried without end",
    )


#: ``user@example.org`` with an RFC 5322 dot-atom on both sides: nothing to parse
_PLAIN_ADDRESS = re.compile(
    r"(?P<user>[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)"
    r"@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)\Z"
)


def parse_address(value: str, what: str) -> Address:
    """Exactly one e-mail address, ``user@host`` or ``Name <user@host>``, parsed as a header
    would be, refusing anything that could smuggle a header (CR, LF, several addresses).

    :raises ValueError: saying what is wrong with ``what``.
    """
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"{what}: control characters are not allowed in an address")
    plain = _PLAIN_ADDRESS.match(value)
    if plain:  # the common case, without the header parser (a third of a millisecond)
        return Address(username=plain["user"], domain=plain["domain"])
    try:
        header = default_policy.header_factory("To", value)
        addresses = header.addresses
    except (IndexError, ValueError):  # the parser trips over a few malformed inputs ("a@")
        addresses, header = (), None
    if header is None or header.defects or len(addresses) != 1:
        raise ValueError(f"{what}: {value!r} is not one e-mail address (expected user@host)")
    address: Address = addresses[0]
    if not address.username or not address.domain:
        raise ValueError(f"{what}: {value!r} is not an e-mail address (expected user@host)")
    return address


@dataclass(frozen=True)
class MailSettings:
    """Where digests go: an SMTP server, or, when none is configured, ``.eml`` files."""

    smtp: SmtpUrl | None
    sender: Address
    outbox: Path

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> MailSettings:
        """Read ``REGWATCH_SMTP_URL``, ``REGWATCH_MAIL_FROM`` and ``REGWATCH_OUTBOX``.

        :raises ConfigError: a bad SMTP URL or sender address (the password is never shown).
        """
        env = os.environ if environ is None else environ
        url = env.get("REGWATCH_SMTP_URL", "").strip()
        smtp = parse_smtp_url(url) if url else None
        try:
            sender = parse_address(
                env.get("REGWATCH_MAIL_FROM") or DEFAULT_SENDER, "REGWATCH_MAIL_FROM"
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        outbox = Path(env.get("REGWATCH_OUTBOX") or DEFAULT_OUTBOX)
        return cls(smtp=smtp, sender=sender, outbox=outbox)

    def transport(self, timeout: float = 30.0) -> Transport:
        """The SMTP server when one is configured, else the ``.eml`` outbox directory."""
        if self.smtp is not None:
            return SmtpTransport(self.smtp, timeout=timeout)
        return FileOutbox(self.outbox)
