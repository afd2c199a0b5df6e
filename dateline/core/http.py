import functools
import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseForbidden, JsonResponse


def client_ip(request: HttpRequest) -> str | None:
    """The reader's address: REMOTE_ADDR, or the one our own proxies put in X-Forwarded-For.

    TRUSTED_PROXY_COUNT is how many proxies of ours (nginx, a load balancer) append to the
    header; entries before theirs are the client's to forge and are not believed.
    A header that does not hold an address where ours should have put one (`garbage`, a
    port, a truncated list) is ignored: the answer is then REMOTE_ADDR, our proxy's own.
    Addresses come back in their canonical form (IPv6 compressed, an IPv4-mapped IPv6
    address as IPv4), or None when there is none.
    """
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [ip.strip() for ip in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [ip for ip in forwarded if ip]
        if len(forwarded) >= proxies and (address := canonical_ip(forwarded[-proxies])):
            return address
    return canonical_ip(request.META.get("REMOTE_ADDR") or "")


def canonical_ip(text: str) -> str | None:
    """`text` as an IP address in canonical form, or None if it is not one."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        if address.scope_id:
            address = ipaddress.IPv6Address(text.split("%", 1)[0])
    return str(address)


def rate_limit_key(ip: str | None) -> str:
    """The unit a rate limit counts: an IPv4 address, or an IPv6 /64 (one customer's block,
    in which any device may take a new address whenever it likes)."""
    if not ip:
        return "-"
    address = ipaddress.ip_address(ip)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return ip


def wants_json(request: HttpRequest) -> bool:
    """A script asked (fetch with Accept: application/json), not a plain form post."""
    return "application/json" in request.headers.get("Accept", "")


def origin_allowed(request: HttpRequest) -> bool:
    """A browser's POST comes from a page of this site (Origin, else Referer, names it).

    Requests without either header (scripts, some privacy settings) are let through: these
    checks are for views that hold no session to ride on, where SameSite cookies and the
    view's own rules do the rest.
    """
    origin = request.headers.get("Origin") or ""
    if not origin or origin == "null":
        referer = request.headers.get("Referer") or ""
        if not referer:
            return not origin
        parts = urlsplit(referer)
        origin = f"{parts.scheme}://{parts.netloc}"
    allowed = {
        settings.SITE_URL,
        f"{request.scheme}://{request.get_host()}",
        *settings.CSRF_TRUSTED_ORIGINS,
    }
    return origin in allowed


def same_origin_post(view):
    """Refuse a POST sent from another site's page, for views exempt from CSRF tokens."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "POST" and not origin_allowed(request):
            return HttpResponseForbidden("This form must be sent from this site's pages.")
        return view(request, *args, **kwargs)

    return wrapped


def form_errors_json(
    form, *, status: int, fallback: str = "Please check the form."
) -> JsonResponse:
    """A form's errors for a script: the first as `message`, all by field under `errors`."""
    errors = {name: [str(error) for error in errs] for name, errs in form.errors.items()}
    first = next(iter(errors.values()), [fallback])[0]
    return JsonResponse({"message": first, "errors": errors}, status=status)
