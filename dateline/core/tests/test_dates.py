from datetime import UTC, datetime

from django.utils import timezone

from dateline.core.dates import iso_datetime, scheduled_time, time_zone_name

AT = datetime(2026, 12, 3, 9, 0, 30, 123456, tzinfo=UTC)


def test_iso_datetime_is_to_the_second_and_empty_for_no_date():
    assert iso_datetime(AT) == "2026-12-03T09:00:30+00:00"
    assert iso_datetime(None) == ""


def test_a_scheduled_time_reads_in_the_current_time_zone_with_its_name():
    assert scheduled_time(AT) == "3 Dec 2026 09:00 UTC"
    with timezone.override("Asia/Dubai"):
        assert scheduled_time(AT) == "3 Dec 2026 13:00 +04"
        assert time_zone_name(AT) == "+04"
    with timezone.override("Europe/Paris"):
        assert scheduled_time(AT) == "3 Dec 2026 10:00 CET"
    assert scheduled_time(None) == ""
