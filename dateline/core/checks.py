"""System checks of the site's own configuration (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Warning, register

from .senders import address_domain, unusable_domain_reason


@register("mail", deploy=True)
def mail_identity_check(app_configs=None, **kwargs) -> list[Warning]:
    """Mail must come from, and name its Message-IDs after, a domain the newsroom owns:
    receivers reject or junk mail from localhost, an IP address or an example domain."""
    warnings = []
    addresses = {"DEFAULT_FROM_EMAIL": settings.DEFAULT_FROM_EMAIL}
    if settings.SERVER_EMAIL != settings.DEFAULT_FROM_EMAIL:
        addresses["SERVER_EMAIL"] = settings.SERVER_EMAIL
    for name, address in addresses.items():
        if reason := unusable_domain_reason(address_domain(address)):
            warnings.append(
                Warning(
                    f"{name} is {address!r}: its domain cannot send mail to readers ({reason}).",
                    hint="Set SITE_URL to the site's public address (From is derived from its "
                    "host), or set DEFAULT_FROM_EMAIL to an address at a domain you own.",
                    id="mail.W001",
                )
            )
    domains = {"MESSAGE_ID_DOMAIN": settings.MESSAGE_ID_DOMAIN}
    if settings.NEWSLETTER_MESSAGE_ID_DOMAIN != settings.MESSAGE_ID_DOMAIN:
        domains["NEWSLETTER_MESSAGE_ID_DOMAIN"] = settings.NEWSLETTER_MESSAGE_ID_DOMAIN
    for name, domain in domains.items():
        if reason := unusable_domain_reason(domain):
            warnings.append(
                Warning(
                    f"{name} is {domain!r}: Message-IDs must name a domain of yours ({reason}).",
                    hint="It follows the From address's domain unless set.",
                    id="mail.W002",
                )
            )
    return warnings
