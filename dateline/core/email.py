"""The one way Dateline sends an email: a template set rendered and handed to the backend.

A message named "comments/reply" is three templates: `email/comments/reply/subject.txt`,
`body.txt` and `body.html`. The HTML part is optional.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils.html import strip_spaces_between_tags


def email_render(*, template: str, context: Mapping) -> tuple[str, str, str | None]:
    """Subject, plain text and HTML (or None) of a template set."""
    base = f"email/{template}"
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"{base}/subject.txt", context).split())
    text = render_to_string(f"{base}/body.txt", context).strip() + "\n"
    try:
        html = strip_spaces_between_tags(render_to_string(f"{base}/body.html", context))
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
    """
    headers = dict(headers or {})
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
    """Render `template` for `context` and send it to one address; returns messages sent."""
    subject, text, html = email_render(template=template, context=context)
    return email_build(
        to=to, subject=subject, text=text, html=html, headers=headers, connection=connection
    ).send()
