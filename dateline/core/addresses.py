"""Email addresses as people type them: one check and one normal form for every form.

email-validator decides, with every relaxation turned off explicitly (whatever a module
default says): no quoted local parts, in which a control character such as a vertical tab
would reach a `To:` header as a line break; no IP-literal domains (`name@[127.0.0.1]`);
no display names; no special-use domains (`.test`, `.localhost`) or undotted hosts. Control
and invisible characters are refused anywhere in the address. The normal form is
email-validator's: the domain lower-cased (and an IDNA domain in Unicode), the local part
as typed.
"""

from email_validator import EmailNotValidError, validate_email

from .errors import Refused

MAX_LENGTH = 254


class BadAddress(Refused):
    """An address the site will not use; the message says why, for the person typing it."""


def email_normalise(email: str) -> str:
    """The address in its normal form; BadAddress when it cannot be used."""
    text = email.strip()
    if len(text) > MAX_LENGTH:
        raise BadAddress("That email address is too long.")
    try:
        checked = validate_email(
            text,
            check_deliverability=False,
            allow_smtputf8=True,
            allow_quoted_local=False,
            allow_domain_literal=False,
            allow_display_name=False,
            allow_empty_local=False,
        )
    except EmailNotValidError as exc:
        raise BadAddress(str(exc)) from None
    return checked.normalized
