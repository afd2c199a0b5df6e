"""The list's addresses: one normal form, the keys they are looked up by, the mailbox behind
them and its daily cap."""

from django.conf import settings

from dateline.core import addresses
from dateline.core.email import Cap

from .errors import SignupRefused


def email_normalise(email: str) -> str:
    """The address in the site's one normal form; SignupRefused says what is wrong."""
    if len(email) > addresses.MAX_LENGTH:
        raise SignupRefused("That email address is too long.")
    try:
        return addresses.email_normalise(email)
    except addresses.BadAddress as bad:
        raise SignupRefused(f"That is not an email address we can use: {bad.message}") from None


def email_key(email: str) -> str:
    return email.lower()


def mailbox_key(email: str) -> str:
    """The mailbox behind an address: "Jo+news@X.org" and "jo+other@x.org" are one inbox."""
    local, _, domain = email.lower().rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}"


def at_blocked_domain(email: str, blocked: set[str]) -> bool:
    domain = email.rsplit("@", 1)[1].lower()
    return any(domain == entry or domain.endswith("." + entry) for entry in blocked)


def mailbox_cap(scope: str, email: str) -> Cap:
    """At most NEWSLETTER_CONFIRMATIONS_PER_DAY such emails a day to one mailbox, counted
    when handed to the mail server (dateline.core.email)."""
    return Cap(
        f"newsletter:{scope}:{mailbox_key(email)}", settings.NEWSLETTER_CONFIRMATIONS_PER_DAY
    )
