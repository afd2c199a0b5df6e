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


def scheduled_time(value: datetime | None) -> str:
    """`3 Dec 2026 09:00 UTC`: a time an editor set or reads, in the current time zone (the
    admin's is the editor's own: their profile's, else settings.TIME_ZONE), with its name."""
    if value is None:
        return ""
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    value = timezone.localtime(value)
    return f"{value.day} {value:%b %Y %H:%M} {time_zone_name(value)}"


def time_zone_name(value: datetime | None = None) -> str:
    """The current time zone's abbreviation at `value` (now by default): "UTC", "CET", "+04"."""
    value = timezone.localtime(value or timezone.now())
    return value.tzname() or timezone.get_current_timezone_name()
