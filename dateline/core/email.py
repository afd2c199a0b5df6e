"""The one way Dateline sends an email: decided in a transaction, handed over by the worker.

Every transactional email (a confirmation, a notification, a digest, a password reset) is a
row, written in the transaction of the action that decides it, and handed to the mail server
by the worker; a temporary failure is tried again later. Sending one:

1. Name its kind once, with the function that makes it from the row when it goes (the app's
   notifications module, imported by its AppConfig.ready)::

       def reply_compose(email: TransactionalEmail) -> Composed:
           reply = Comment.objects.filter(pk=email.params["reply_id"]).first()
           if reply is None:
               raise NotToBeSent("the reply was deleted")
           return Composed(template="comments/reply", context={"reply": reply})

       email_kind("comments/reply", label="Comments: a reply", compose=reply_compose)

2. Queue it inside the transaction of the action that decides it::

       from dateline.core.actions import email_queue

       email_queue(kind="comments/reply", to=address, params={"reply_id": reply.pk},
                   caps=[Cap(f"comments:reply:{address}", 10)])

   It returns the row, or None when a cap refused it (see below).

A message its caller has rendered already, such as the one Django's PasswordResetForm makes,
is queued whole with `email_queue_message` (no composer needed)::

    class PasswordResetForm(django.contrib.auth.forms.PasswordResetForm):
        def send_mail(self, subject_template_name, email_template_name, context,
                      from_email, to_email, html_email_template_name=None):
            email_queue_message(
                kind="core/password_reset",
                to=to_email,
                subject=render_to_string(subject_template_name, context),
                text=render_to_string(email_template_name, context),
                html=render_to_string(html_email_template_name, context)
                if html_email_template_name else None,
            )

Its text stays in the database until the server accepts it. A composer is better for a
message that carries a secret: it can make the reset link when the email goes.

A message named "comments/reply" is three templates: `email/comments/reply/subject.txt`,
`body.txt` and `body.html` (optional; it extends `email/base.html`, which gives it the
newsroom's language and the subject as its title). `send_email` renders and sends one at
once, with none of the guarantees below.

What is guaranteed:

- Nothing decided is lost: the row commits with the action, and its task is queued on commit
  (a wake-up lost in between is found by the next delivery, MAIL_CLAIM_SECONDS later).
- Made when it goes: its links are signed then, and a composer may find it should no longer
  go (NotToBeSent: the reader left, the reply was withdrawn); it is then "not sent", with
  the reason.
- Temporary failures are retried: a server that cannot be reached, a refused or timed-out
  connection, one that drops before the message was handed over, any 4xx answer, and a
  refusal of our sender, login or greeting (the server's setup, not this message: fixing it
  delivers the queue). The first retry comes after MAIL_RETRY_SECONDS (30 s), each further
  one twice as long, at most MAIL_RETRY_MAX_SECONDS (1 h) apart, for MAIL_RETRY_HOURS (48)
  after it was queued; then it fails.
- A 5xx answer to the recipient or to the message fails it at once.
- Once, as far as SMTP allows: the row is marked "being handed over" (committed) before the
  message goes and "sent" once the server accepted it. A worker that dies in between leaves
  it to become "in doubt" (at the next delivery once its process is gone from this machine,
  else when its claim of MAIL_CLAIM_SECONDS runs out), as does a connection that breaks
  after the whole message was written: listed for the operator, never sent again on its
  own. Every attempt carries the same Message-ID.
- Daily caps count emails handed to the server, not emails asked for: a cap is at most
  `per_day` emails with its key in any 24 hours. Queueing is refused (None) while the key's
  emails handed over in the past 24 hours and those still waiting reach `per_day`; failed
  attempts and failed emails count for nothing. When an email finally can go but `per_day`
  with its key were handed over in the past 24 hours by then (two requests at once, or an
  operator's "send again"), it is not sent: the cap protects the reader's inbox, and a
  reader who still wants it asks again.
- The operator sees everything under Settings → Mail queue (superusers): emails waiting,
  with the last error; failed and in-doubt ones, with the error, attempts and "Send again".
  `/healthz` reports when the oldest waiting email was queued
  (dateline.core.selectors.mail_queue_oldest).
"""

import logging
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, NamedTuple

from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import make_msgid
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import strip_spaces_between_tags

if TYPE_CHECKING:
    from .models import TransactionalEmail

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Composed:
    """What a composer makes of a queued email: its template set, context and headers."""

    template: str
    context: Mapping
    headers: Mapping[str, str] = field(default_factory=dict)


class NotToBeSent(Exception):
    """Raised by a composer: the email should no longer go (the message says why)."""


class Cap(NamedTuple):
    """At most `per_day` emails with `key` (a scope and an address) in any 24 hours."""

    key: str
    per_day: int


@dataclass(frozen=True)
class EmailKind:
    name: str
    label: str
    compose: Callable[["TransactionalEmail"], Composed] | None


_kinds: dict[str, EmailKind] = {}


def email_kind(
    name: str, *, label: str, compose: Callable[["TransactionalEmail"], Composed] | None = None
) -> None:
    """Name a kind of transactional email: its label in the admin and its composer."""
    _kinds[name] = EmailKind(name=name, label=label, compose=compose)


def email_kind_get(name: str) -> EmailKind | None:
    return _kinds.get(name)


def email_kind_label(name: str) -> str:
    kind = _kinds.get(name)
    return kind.label if kind else name


def email_render(*, template: str, context: Mapping) -> tuple[str, str, str | None]:
    """Subject, plain text and HTML (or None) of a template set."""
    base = f"email/{template}"
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{base}/subject.txt", context).split())
    text = render_to_string(f"{base}/body.txt", context).strip() + "\n"
    try:
        # The subject is the HTML part's <title> (email/base.html).
        html_context = {**context, "subject": subject}
        html = strip_spaces_between_tags(render_to_string(f"{base}/body.html", html_context))
    except TemplateDoesNotExist:
        html = None
    return subject, text, html


def email_build(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
    envelope_from: str | None = None,
    connection=None,
) -> EmailMultiAlternatives:
    """One message from its rendered parts, From the site's address.

    `envelope_from` is where bounces go (the SMTP MAIL FROM), when it differs from From.
    Its Message-ID is on the site's own domain (MESSAGE_ID_DOMAIN), not the machine's name.
    """
    headers = dict(headers or {})
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = make_msgid(domain=settings.MESSAGE_ID_DOMAIN)
    if envelope_from:
        headers.setdefault("From", settings.DEFAULT_FROM_EMAIL)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=envelope_from or settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers,
        connection=connection,
    )
    if html:
        message.attach_alternative(html, "text/html")
    return message


def send_email(
    *,
    to: str,
    template: str,
    context: Mapping,
    headers: Mapping[str, str] | None = None,
    connection=None,
) -> int:
    """Render `template` for `context` and send it to one address now; returns messages sent.

    Not retried and not recorded: transactional email goes through `email_queue` instead.
    """
    subject, text, html = email_render(template=template, context=context)
    return email_build(
        to=to, subject=subject, text=text, html=html, headers=headers, connection=connection
    ).send()


def email_message(email: "TransactionalEmail", *, message_id: str) -> EmailMultiAlternatives:
    """The message a queued email stands for, made now (NotToBeSent if it should not go)."""
    if email.content is not None:
        parts = email.content
        return email_build(
            to=email.to,
            subject=parts["subject"],
            text=parts["text"],
            html=parts.get("html"),
            headers={**parts.get("headers", {}), "Message-ID": message_id},
        )
    kind = _kinds.get(email.kind)
    if kind is None or kind.compose is None:
        raise LookupError(f"Nothing makes emails of the kind {email.kind!r}.")
    composed = kind.compose(email)
    subject, text, html = email_render(template=composed.template, context=composed.context)
    return email_build(
        to=email.to,
        subject=subject,
        text=text,
        html=html,
        headers={**composed.headers, "Message-ID": message_id},
    )


def message_id_make() -> str:
    return make_msgid(domain=settings.MESSAGE_ID_DOMAIN)


SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mail_connection():
    """A connection for transactional email through EMAIL_URL's backend; Django's SMTP
    backend is replaced by one that knows when a message was handed over."""
    backend = settings.EMAIL_BACKEND
    if backend == SMTP_BACKEND:
        backend = "dateline.core.mail.HandOverEmailBackend"
    return get_connection(backend, fail_silently=False)


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed attempt an email is tried again."""
    first, most = settings.MAIL_RETRY_SECONDS, settings.MAIL_RETRY_MAX_SECONDS
    return timedelta(seconds=min(first * 2 ** min(max(attempts - 1, 0), 30), most))


TEMPORARY, PERMANENT, IN_DOUBT = "temporary", "permanent", "in doubt"


def _reply(code: int, text) -> str:
    return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"


def failure_of(exc: BaseException, *, handed_over: bool) -> tuple[str, str]:
    """What a failed attempt means (TEMPORARY, PERMANENT or IN_DOUBT), in the server's words.

    See the module docstring; `handed_over`: the whole message had been written.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        answers = list(exc.recipients.values())
        worded = "; ".join(_reply(code, text) for code, text in answers) or str(exc)
        temporary = answers and all(code < 500 for code, _ in answers)
        return (TEMPORARY if temporary else PERMANENT), f"Recipient refused: {worded}"
    if isinstance(
        exc,
        smtplib.SMTPSenderRefused
        | smtplib.SMTPAuthenticationError
        | smtplib.SMTPHeloError
        | smtplib.SMTPConnectError,
    ):
        return TEMPORARY, f"The mail server refused us: {_reply(exc.smtp_code, exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        worded = _reply(exc.smtp_code, exc.smtp_error)
        return (PERMANENT if exc.smtp_code >= 500 else TEMPORARY), worded
    if handed_over:
        return IN_DOUBT, f"{type(exc).__name__}: {exc}"
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return PERMANENT, str(exc)
    if isinstance(exc, AnymailAPIError):
        status = exc.status_code
        # The account (credentials, rate limits) or the service is at fault, not the message.
        if status is not None and 400 <= status < 500 and status not in (401, 403, 408, 429):
            return PERMANENT, str(exc)
        return TEMPORARY, str(exc)
    if not isinstance(exc, OSError | smtplib.SMTPException):
        log.error("Unexpected failure sending an email", exc_info=exc)
    return TEMPORARY, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
