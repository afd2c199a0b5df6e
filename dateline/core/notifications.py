"""The site's own emails: the admin password reset link.

Queued by dateline.core.actions.password_reset_send (one per account with the address) and
made here when it goes, so the reset token is made then and never stored; an account
deactivated, given another address or without a usable password since is not written to.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .email import Composed, NotToBeSent, email_kind
from .links import absolute_url
from .models import TransactionalEmail

RESET_KIND = "core/password_reset"


def password_reset_compose(email: TransactionalEmail) -> Composed:
    user = get_user_model()._default_manager.filter(pk=email.params.get("user_id")).first()
    if user is None or not user.is_active or not user.has_usable_password():
        raise NotToBeSent("the account is gone, inactive or cannot have a password")
    if getattr(user, user.get_email_field_name(), "").lower() != email.to.lower():
        raise NotToBeSent("the account's address has changed since")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("wagtailadmin_password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    return Composed(
        template=RESET_KIND,
        context={
            "username": user.get_username(),
            "show_username": user.get_email_field_name() != user.USERNAME_FIELD,
            "reset_url": absolute_url(path),
            "valid_for": f"{hours // 24} days" if hours >= 48 else f"{hours} hours",
            "site_name": settings.WAGTAIL_SITE_NAME,
        },
    )


email_kind(RESET_KIND, label="Admin: reset your password", compose=password_reset_compose)
