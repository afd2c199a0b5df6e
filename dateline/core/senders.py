"""Who the site's mail comes from: the From address and the Message-ID domain.

Unless DEFAULT_FROM_EMAIL is set, mail comes from `"<SITE_NAME>" <newsroom@HOST>`, HOST being
SITE_URL's host without its port or a leading "www."; Message-IDs use the From address's
domain. A host that cannot receive mail (localhost, an IP address) gives
`newsroom@localhost`, which `manage.py check --deploy` warns about (dateline.core.checks).

Pure functions of their arguments: the settings module uses them.
"""

import ipaddress
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

LOCAL_PART = "newsroom"
# RFC 2606 and RFC 6761 names, and names only a local network resolves.
RESERVED_DOMAINS = {"example.com", "example.net", "example.org"}
RESERVED_SUFFIXES = (".example", ".test", ".invalid", ".localhost", ".local", ".internal")


def is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def site_mail_host(site_url: str) -> str:
    """The domain the site's mail comes from: SITE_URL's host, or "localhost" for an IP."""
    host = (urlsplit(site_url).hostname or "").rstrip(".")
    if not host or is_ip_address(host):
        return "localhost"
    host = host.removeprefix("www.")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def default_from_email(site_url: str, site_name: str) -> str:
    return formataddr((site_name, f"{LOCAL_PART}@{site_mail_host(site_url)}"))


def address_domain(address: str) -> str:
    """The domain of an address such as `"Dateline" <newsroom@news.example.org>`."""
    return parseaddr(address)[1].rpartition("@")[2].lower()


def unusable_domain_reason(domain: str) -> str | None:
    """Why mail from `domain` would not be the site's own to the world, or None if it is."""
    domain = domain.lower().rstrip(".")
    if not domain:
        return "it is empty"
    if domain.startswith("[") or is_ip_address(domain):
        return "it is an IP address"
    if domain == "localhost":
        return "it is localhost"
    if domain in RESERVED_DOMAINS or domain.endswith(
        tuple(f".{d}" for d in RESERVED_DOMAINS) + RESERVED_SUFFIXES
    ):
        return "it is a reserved or local-only name"
    if "." not in domain:
        return "it is not a public domain name"
    return None
