"""Keyed hashes kept instead of what they hash: a signup's IP address in its consent record."""

import hmac

from django.conf import settings


def ip_hash(ip: str | None) -> str:
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), f"ip:{ip}".encode(), "sha256").hexdigest()
