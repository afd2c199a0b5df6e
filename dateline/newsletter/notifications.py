"""The emails of signing up: the confirmation link, or a note to an address already on."""

from django.urls import reverse

from dateline.core.email import send_email
from dateline.core.links import absolute_url

from . import tokens
from .actions import is_suppressed
from .models import Subscriber

TEMPLATES = {"newsletter/confirm", "newsletter/already", "newsletter/welcome"}


def signup_email_send(*, subscriber_id: int, template: str) -> bool:
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    # Checked again at sending: the address may have been suppressed since it was queued.
    if subscriber is None or template not in TEMPLATES or is_suppressed(subscriber.email):
        return False
    unsubscribe_url = absolute_url(
        reverse("newsletter:unsubscribe", args=[tokens.unsubscribe_token(subscriber)])
    )
    # Mail to someone on the list carries RFC 8058 one-click unsubscribe; a confirmation
    # request goes to someone not on it yet.
    headers = (
        {}
        if template == "newsletter/confirm"
        else {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
    )
    send_email(
        to=subscriber.email,
        template=template,
        headers=headers,
        context={
            "confirm_url": absolute_url(
                reverse("newsletter:confirm", args=[tokens.confirm_token(subscriber)])
            ),
            "unsubscribe_url": unsubscribe_url,
            "manage_url": absolute_url(
                reverse("newsletter:manage", args=[tokens.manage_token(subscriber)])
            ),
            "subscriber": subscriber,
        },
    )
    return True


def change_confirmation_send(*, subscriber_id: int, new_email: str) -> bool:
    subscriber = Subscriber.objects.filter(pk=subscriber_id).first()
    if subscriber is None or is_suppressed(new_email):
        return False
    token = tokens.change_token(subscriber, new_email)
    send_email(
        to=new_email,
        template="newsletter/change",
        context={"confirm_url": absolute_url(reverse("newsletter:change", args=[token]))},
    )
    return True
