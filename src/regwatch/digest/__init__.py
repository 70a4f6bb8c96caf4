"""E-mail digests: per recipient and cadence, rendered from ``templates/``, delivered through a
durable outbox (SMTP, or ``.eml`` files when no SMTP server is configured).

The daemon calls :func:`send_due` once per cycle; the CLI's ``digest preview``, ``digest send``,
``deliveries``, ``test-email`` and ``test-notify`` are thin layers over :func:`preview`,
:func:`send_due`, :func:`list_deliveries`, :func:`send_test_email` and :func:`check_channels`.
Besides e-mail, a recipient may have webhook and chat channels (:mod:`._channels`), sent from
the same outbox.
"""

from __future__ import annotations

from ._deliver import send_notice, send_test_email
from ._mime import message_bytes
from ._model import Digest, Item, Reason, RecipientInfo
from ._outbox import Outcome, SendReport, list_deliveries, preview, send_due
from ._probe import ChannelCheck, check_channels
from ._render import Rendered, render
from ._schedule import Period, current_period
from ._settings import DigestSettings, MailSettings, parse_address
from ._smtp import FileOutbox, SmtpTransport, SmtpUrl, Transport, parse_smtp_url

__all__ = [
    "ChannelCheck",
    "Digest",
    "DigestSettings",
    "FileOutbox",
    "Item",
    "MailSettings",
    "Outcome",
    "Period",
    "Reason",
    "RecipientInfo",
    "Rendered",
    "SendReport",
    "SmtpTransport",
    "SmtpUrl",
    "Transport",
    "check_channels",
    "current_period",
    "list_deliveries",
    "message_bytes",
    "parse_address",
    "parse_smtp_url",
    "preview",
    "render",
    "send_due",
    "send_notice",
    "send_test_email",
]
