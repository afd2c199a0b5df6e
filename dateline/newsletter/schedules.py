"""When digests are due: their slots, as instants in the site's time zone."""

from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django.utils import timezone

from .models import Frequency, Newsletter


def digest_period(newsletter: Newsletter) -> timedelta:
    return timedelta(days=7 if newsletter.frequency == Frequency.WEEKLY else 1)


def digest_slot(newsletter: Newsletter, now: datetime) -> datetime:
    """The latest time at or before `now` that this digest was due, in the site's zone.

    Compared as instants, not wall-clock times; a time that does not exist on a spring-
    forward day is taken as the same instant moved forward (02:30 becomes 03:30).
    """
    zone = timezone.get_default_timezone()
    local = now.astimezone(zone)
    day = local.date()
    if newsletter.frequency == Frequency.WEEKLY:
        day -= timedelta(days=(local.weekday() - newsletter.send_weekday) % 7)
    slot = instant(day, newsletter.send_time, zone)
    if slot > now:
        slot = instant(day - digest_period(newsletter), newsletter.send_time, zone)
    return slot


def instant(day: date, at: time, zone: tzinfo) -> datetime:
    """`at` on `day` in `zone`, a time skipped by the clocks moved forward."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC).astimezone(zone)
