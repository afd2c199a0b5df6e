"""Admin panels of the newsroom's pages."""

from django.utils import timezone
from django.utils.functional import lazy
from wagtail.admin.panels import PublishingPanel

from dateline.core.dates import time_zone_name


def time_zone_note() -> str:
    """Which clock the editor's dates are on: the admin runs in the editor's time zone."""
    zone = timezone.get_current_timezone_name()
    short = time_zone_name()
    named = zone if short == zone else f"{zone} ({short})"
    return f"Time zone: {named}."


class SchedulePanel(PublishingPanel):
    """Wagtail's scheduling dialog, its go-live and expiry dates saying their time zone.

    Its calendar leaves "Save schedule" uncovered: newsroom/admin/schedule.css.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        for child in self.children:
            # Worked out as the form is drawn, in the request's (the editor's) time zone.
            child.help_text = lazy(time_zone_note, str)()
