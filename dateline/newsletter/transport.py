"""The mail servers a send goes through: connections, their slots and rate, and what a
server's answer to one message means.

NEWSLETTER_EMAIL_URLS (else EMAIL_URL) are the servers; over plain SMTP the connection is
dateline.newsletter.smtp.BulkEmailBackend, which knows when a message was handed over and
signs with DKIM when a key is configured. What becomes of a delivery row is not decided
here but in dateline.newsletter.actions.delivery.
"""

import logging
import smtplib
import time
from dataclasses import dataclass

import environ
from anymail.exceptions import AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import get_connection

from dateline.core.ratelimit import claim_once, claim_release, claim_renew, rate_limit_hit

log = logging.getLogger(__name__)

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
BULK_BACKEND = "dateline.newsletter.smtp.BulkEmailBackend"


class ConnectionTrouble(Exception):
    """The mail server cannot be used now (unreachable, refuses our sender or login): nothing
    about the recipient, so the batch goes back to the queue for later."""


@dataclass(frozen=True)
class Answer:
    """What came of handing one message to the server.

    `kind` is "sent" or one of classify()'s but "server"; `handed_over`: the whole message had been
    written when the connection broke; `unexpected`: the failure was not the server's nor
    the network's (a bug), `error` the exception itself.
    """

    kind: str
    reply: str = ""
    provider_id: str = ""
    handed_over: bool = False
    unexpected: bool = False
    error: Exception | None = None


def connection_open(slot: int):
    """A connection to the server for `slot`: NEWSLETTER_EMAIL_URLS in turn, else EMAIL_URL."""
    urls = settings.NEWSLETTER_EMAIL_URLS
    options: dict = {}
    if urls:
        config = environ.Env.email_url_config(urls[slot % len(urls)])
        backend = config["EMAIL_BACKEND"]
        options = {
            "host": config.get("EMAIL_HOST"),
            "port": config.get("EMAIL_PORT"),
            "username": config.get("EMAIL_HOST_USER"),
            "password": config.get("EMAIL_HOST_PASSWORD"),
            "use_tls": config.get("EMAIL_USE_TLS", False),
            "use_ssl": config.get("EMAIL_USE_SSL", False),
        }
    else:
        backend = settings.EMAIL_BACKEND
    if backend == SMTP_BACKEND:
        # Knows when a message was handed over; signs when DKIM is configured.
        backend = BULK_BACKEND
        options["timeout"] = settings.NEWSLETTER_SMTP_TIMEOUT
    try:
        connection = get_connection(backend, fail_silently=False, **options)
        connection.open()
    except (OSError, smtplib.SMTPException, AnymailError) as exc:
        raise ConnectionTrouble(f"Could not connect to the mail server: {exc}") from exc
    except (ImportError, ValueError, TypeError) as exc:
        raise ConnectionTrouble(f"The mail settings are wrong: {exc}") from exc
    return connection


def connection_close(connection) -> None:
    try:
        connection.close()
    except Exception:  # a broken connection may fail to close too
        log.debug("closing a broken connection failed", exc_info=True)


def _slot_key(slot: int) -> str:
    return f"newsletter:slot:{slot}"


def connection_slot(token: str) -> int | None:
    """One of NEWSLETTER_CONNECTIONS slots across every worker, or None if all are taken."""
    for slot in range(settings.NEWSLETTER_CONNECTIONS):
        if claim_once(_slot_key(slot), settings.NEWSLETTER_CLAIM_SECONDS):
            return slot
    return None


def connection_slot_renew(slot: int) -> None:
    claim_renew(_slot_key(slot), settings.NEWSLETTER_CLAIM_SECONDS)


def connection_slot_release(slot: int) -> None:
    claim_release(_slot_key(slot))


def throttle() -> None:
    """At most NEWSLETTER_RATE messages a second across every worker (0: no limit)."""
    rate = settings.NEWSLETTER_RATE
    while rate and rate_limit_hit(scope="newsletter-send", key="all", limits=[(rate, 1)]):
        time.sleep(1 - time.time() % 1)


def message_send(connection, message) -> Answer:
    """Hand `message` to the server over `connection`, and what its answer means; raises
    ConnectionTrouble when the server will not take mail from us now."""
    message.connection = connection
    try:
        connection.send_messages([message])
    except Exception as exc:
        kind, reply = classify(exc)
        if kind == "server":
            raise ConnectionTrouble(f"The mail server refuses to take our mail: {reply}") from exc
        return Answer(
            kind=kind,
            reply=reply,
            handed_over=bool(getattr(connection, "handed_over", False)),
            unexpected=not isinstance(exc, smtplib.SMTPException | OSError | AnymailError),
            error=exc,
        )
    status = getattr(message, "anymail_status", None)
    provider_id = status.message_id if status and status.message_id is not None else ""
    return Answer(kind="sent", provider_id=str(provider_id))


def _reply(code: int, text) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def _about_the_recipient(code: int, reply: str) -> bool:
    """A permanent refusal of the address itself (RFC 3463 5.1.x, 5.2.1), not of the mail."""
    enhanced = reply.split(maxsplit=2)[1] if len(reply.split()) > 1 else ""
    if enhanced[:2] == "5." and enhanced.count(".") == 2:
        return enhanced.startswith("5.1.") or enhanced == "5.2.1"
    return code in (550, 551, 553)


def classify(exc: Exception) -> tuple[str, str]:
    """What a failed send means, and the server's words.

    - "bounce": the address is refused for good (suppress it);
    - "refused": this message is refused for good, the address is not at fault;
    - "temporary": try this one again later;
    - "connection": the connection broke (reconnect; retry unless it was handed over);
    - "server": the server will not take mail from us now (stop, retry the batch later).
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        reply = _reply(code, text)
        if code < 500:
            return "temporary", reply
        return ("bounce" if _about_the_recipient(code, reply) else "refused"), reply
    if isinstance(exc, smtplib.SMTPDataError):
        reply = _reply(exc.smtp_code, exc.smtp_error)
        return ("refused" if exc.smtp_code >= 500 else "temporary"), reply
    if isinstance(
        exc,
        smtplib.SMTPSenderRefused | smtplib.SMTPAuthenticationError | smtplib.SMTPHeloError,
    ):
        return "server", _reply(exc.smtp_code, exc.smtp_error)
    if isinstance(exc, AnymailRecipientsRefused):
        return "bounce", str(exc)
    if isinstance(exc, AnymailError):
        status = getattr(exc, "status_code", None)
        # Refused credentials, a rate limit or a setting the service does not support are
        # about the account; other answers about this message.
        if status in (401, 403, 429) or status is None or status >= 500:
            return "server", str(exc)
        return "temporary", str(exc)
    return "connection", f"{type(exc).__name__}: {exc}"
