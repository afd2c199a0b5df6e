"""Digest slots: the local hour kept across the change of clocks, a skipped time moved on."""

import zoneinfo
from datetime import UTC, datetime, time, timedelta

import pytest

from dateline.newsletter.models import Newsletter
from dateline.newsletter.schedules import digest_slot

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.fixture
def paris(settings):
    settings.TIME_ZONE = "Europe/Paris"


def test_digest_slots_follow_the_local_time_daily_and_weekly(paris):
    daily = Newsletter(frequency="daily", send_time=time(7, 0))
    assert daily.send_time == time(7, 0)
    assert digest_slot(daily, at(2026, 11, 25, 6, 59)) == at(2026, 11, 24, 7, 0)
    assert digest_slot(daily, at(2026, 11, 25, 7, 0)) == at(2026, 11, 25, 7, 0)
    weekly = Newsletter(frequency="weekly", send_time=time(18, 30), send_weekday=4)  # Friday
    assert digest_slot(weekly, at(2026, 11, 25, 12, 0)) == at(2026, 11, 20, 18, 30)
    # Across the change to summer time the slot keeps its local hour.
    assert digest_slot(daily, at(2026, 3, 29, 8, 0)).utcoffset() == timedelta(hours=2)
    # 02:30 does not exist on that day: the digest goes at the same instant, 03:30 summer time.
    night = Newsletter(frequency="daily", send_time=time(2, 30))
    slot = digest_slot(night, datetime(2026, 3, 29, 3, 0, tzinfo=UTC))
    assert slot == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert digest_slot(night, datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) < slot
