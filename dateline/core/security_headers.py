"""Content-Security-Policy and Permissions-Policy on every response the app makes.

Readers' pages get `settings.CONTENT_SECURITY_POLICY` (django-csp's setting): scripts, styles
and everything else only from this site, no inline script or style, no plugins, and no
framing by other sites. The pages are cached whole and are the same for every reader, so the
policy holds no per-request nonce: every script and style is a file under /static/.

The Wagtail admin (`ADMIN_URL_PREFIX`) gets `ADMIN_CONTENT_SECURITY_POLICY` instead: its own
pages carry inline scripts and styles. Its previews of readers' pages (Wagtail's "dummy"
requests) get the readers' policy, except that the admin may frame them. A response that
already has a Content-Security-Policy keeps it (the outbox's sandboxed HTML, Wagtail's served
documents and images, the 500 and 503 pages), and django-csp's view decorators still change
a single view's policy.

`settings.PERMISSIONS_POLICY` names the browser features no page of the site may use, nor any
frame in it (camera, microphone, geolocation, ...): `{"camera": [], "fullscreen": ["self"]}`
becomes `camera=(), fullscreen=(self)`, the format of django-permissions-policy.

Both middlewares sit inside the page cache, which stores these headers with the page, so a
cache hit (and nginx's copy of it) carries the policy the page was rendered with.
"""

import base64
import hashlib
import re

from csp.middleware import CSPMiddleware, PolicyParts
from csp.utils import default_config
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

CSP_HEADER = "Content-Security-Policy"
PERMISSIONS_POLICY_HEADER = "Permissions-Policy"
_STYLE_ELEMENT = re.compile(r"<style>(.*?)</style>", re.DOTALL)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's own policy under ADMIN_URL_PREFIX."""

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only or parts.config is not None:
            return parts
        if getattr(request, "is_dummy", False):
            # Wagtail's preview of a reader's page, framed by the admin: the readers' policy,
            # so that editors see what readers will, but the admin may frame it.
            parts.replace = {"frame-ancestors": ["'self'"], **(parts.replace or {})}
        elif request.path_info.startswith(settings.ADMIN_URL_PREFIX):
            parts.config = default_config(settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"])
        return parts


def permissions_policy(features: dict[str, list[str]]) -> str:
    """The header value: each feature with its allowlist, `()` for no one."""
    return ", ".join(
        f"{name}=({' '.join(_origin_item(origin) for origin in allowed)})"
        for name, allowed in features.items()
    )


def _origin_item(origin: str) -> str:
    # Keywords stand bare in the header's structured-field syntax; origins are strings.
    return origin if origin in {"self", "*", "src"} else f'"{origin}"'


class PermissionsPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.header = permissions_policy(settings.PERMISSIONS_POLICY)

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header and PERMISSIONS_POLICY_HEADER not in response:
            response[PERMISSIONS_POLICY_HEADER] = self.header
        return response


def source_hash(text: str) -> str:
    """The CSP source that allows this inline script or style, and nothing else."""
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return f"'sha256-{digest}'"


def self_contained_page_policy(html: str) -> str:
    """The policy of an error page that must load nothing: its own <style>, by its hash."""
    styles = " ".join(source_hash(css) for css in _STYLE_ELEMENT.findall(html)) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )
