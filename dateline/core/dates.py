"""Dates as machines read them: ISO 8601 to the second, in the site's time zone.

HTML's `<time datetime>` allows at most three digits of a second (the Nu checker refuses
Python's six), and JSON-LD, Open Graph and the page should all say the same instant the same
way, so every machine-readable date on a page goes through `iso_datetime`.
"""

from datetime import date, datetime

from django.utils import timezone


def iso_datetime(value: datetime | date | None) -> str:
    """`2026-12-01T19:35:54+00:00`: seconds precision, aware values in the current time zone;
    a date is `2026-12-01`; None is empty."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(timespec="seconds")
    return value.isoformat()
