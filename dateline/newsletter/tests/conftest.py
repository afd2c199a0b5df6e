from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dateline.core import formstamp
from dateline.newsletter.models import Newsletter


@pytest.fixture
def newsletters(db):
    from dateline.newsroom.tests.factories import make_home

    make_home()
    return [
        Newsletter.objects.create(name="Daily digest", slug="daily", kind="digest", position=1),
        Newsletter.objects.create(
            name="Breaking news",
            slug="breaking",
            kind="breaking",
            position=2,
            selected_by_default=False,
        ),
    ]


@pytest.fixture
def stamp():
    """A form handed out a minute ago."""
    with time_machine.travel(timezone.now() - timedelta(minutes=1)):
        return formstamp.issue()
