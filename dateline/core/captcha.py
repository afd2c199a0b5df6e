"""A pluggable CAPTCHA for public forms, off by default (CAPTCHA_BACKEND is empty).

A backend is a class with `widget_html()` (what the form shows; the same for every reader,
so cached pages can carry it) and `verify(request) -> bool` (asks the provider about the
answer the form sent). Turnstile, hCaptcha and reCAPTCHA all fit this shape.
"""

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe


class Captcha(Protocol):
    def widget_html(self) -> str: ...

    def verify(self, request) -> bool: ...


def backend() -> Captcha | None:
    return import_string(settings.CAPTCHA_BACKEND)() if settings.CAPTCHA_BACKEND else None


def widget() -> SafeString:
    active = backend()
    return mark_safe(active.widget_html() if active else "")  # the operator's own backend


def passed(request) -> bool:
    active = backend()
    return active is None or active.verify(request)
