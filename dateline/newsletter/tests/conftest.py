from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dateline.core import formstamp
from dateline.newsletter.models import (
    Campaign,
    CampaignArticle,
    Newsletter,
    Subscriber,
    Subscription,
)
from dateline.newsroom.tests.factories import make_article, make_home, make_section


@pytest.fixture
def newsletters(db):
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


def subscribe(email: str, *newsletters: Newsletter, status: str = "confirmed") -> Subscriber:
    """A subscriber in the given state, as the signup and confirm actions would leave one."""
    now = timezone.now()
    subscriber = Subscriber.objects.create(
        email=email,
        email_key=email.lower(),
        status=status,
        created_at=now,
        confirmed_at=now if status != "pending" else None,
        unsubscribed_at=now if status == "unsubscribed" else None,
    )
    if status != "unsubscribed":
        for newsletter in newsletters:
            Subscription.objects.create(
                subscriber=subscriber, newsletter=newsletter, created_at=now
            )
    return subscriber


def compose(newsletter: Newsletter, *articles, subject="This week in the Middle East") -> Campaign:
    campaign = Campaign.objects.create(
        newsletter=newsletter, subject=subject, intro="Good morning.\n\nHere is the news."
    )
    for position, article in enumerate(articles):
        CampaignArticle.objects.create(campaign=campaign, article=article, sort_order=position)
    return campaign


@pytest.fixture
def article(newsletters):
    section = make_section(title="Middle East News", slug="middle-east-news")
    return make_article(
        section,
        title="US Gains Support From World Powers vs ISIS",
        standfirst="Allies line up behind the coalition.",
        guests=["Jane Reporter"],
    )


@pytest.fixture
def fast_retries(settings):
    """Retries due at once, so one worker run sees a deferred message through."""
    settings.NEWSLETTER_RETRY_SECONDS = 0
    return settings
