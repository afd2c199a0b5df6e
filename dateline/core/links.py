from django.conf import settings


def absolute_url(url: str) -> str:
    """`url` on SITE_URL, the canonical address, whatever host a request came in on."""
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url
