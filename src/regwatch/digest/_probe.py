"""``regwatch test-notify RECIPIENT``: one test message through each channel of a recipient,
end to end (the SMTP server, the webhook receiver, the chat service), reporting each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..exceptions import ConfigError, DeliveryError
from ..store import Store
from ..timeutil import utcnow
from ._build import recipients
from ._channels import Channels, probe_payload, redact
from ._deliver import send_test_email
from ._settings import DigestSettings, MailSettings

__all__ = ["ChannelCheck", "check_channels"]


@dataclass(frozen=True)
class ChannelCheck:
    company: str
    channel: str
    #: the address, or the channel's URL without credentials
    destination: str
    ok: bool
    detail: str


def check_channels(
    store: Store,
    settings: DigestSettings,
    email: str,
    company: str | None = None,
    mail: MailSettings | None = None,
    now: datetime | None = None,
) -> list[ChannelCheck]:
    """Send a test through every active channel of the recipient ``email``.

    :raises ConfigError: no active recipient has that address (the known ones are named).
    """
    now = now or utcnow()
    with store.read() as conn:
        people = [p for p in recipients(conn) if p.email.casefold() == email.casefold()]
        if company is not None:
            people = [p for p in people if p.company == company]
        if not people:
            known = sorted({p.email for p in recipients(conn)})
            raise ConfigError(
                f"no active recipient {email!r}"
                + (f" of {company!r}" if company else "")
                + f"; recipients: {', '.join(known) or 'none (run `regwatch watch import`)'}"
            )
    checks = []
    with Channels(settings.webhook_timeout) as channels:
        for person in people:
            where = person.email if person.channel == "email" else redact(person.target)
            try:
                if person.channel == "email":
                    mail = mail or MailSettings.from_env()
                    detail = send_test_email(person.email, mail, settings, now=now)
                elif person.channel == "webhook":
                    signer = channels.secret(person.options)
                    webhook_id, body = probe_payload(person.company, person.email, now)
                    status = channels.post(person.target, signer, webhook_id, body)
                    detail = f"HTTP {status}, signed, webhook-id {webhook_id}"
                else:
                    detail = channels.send_chat(
                        person.target,
                        f"[regwatch] test message for {person.company}",
                        "This is a test message from regwatch: digests for "
                        f"{person.email} will arrive here ({person.schedule()}).",
                    )
            except (DeliveryError, ValueError) as exc:
                checks.append(ChannelCheck(person.company, person.channel, where, False, str(exc)))
            else:
                checks.append(ChannelCheck(person.company, person.channel, where, True, detail))
    return checks
