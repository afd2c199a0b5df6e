import itertools

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Site

from dateline.comments import actions
from dateline.comments.models import CommentSettings
from dateline.newsroom.tests.factories import make_article, make_section

_serial = itertools.count(1)


@pytest.fixture
def section(db):
    return make_section(title="Middle East News", slug="middle-east-news")


@pytest.fixture
def article(section):
    return make_article(section, title="Coalition grows")


@pytest.fixture
def policy(db, section):
    """The site's comment settings, to change per test: `policy(moderation="immediate")`."""

    def update(**fields):
        site_settings = CommentSettings.for_site(Site.objects.get(is_default_site=True))
        for name, value in fields.items():
            setattr(site_settings, name, value)
        site_settings.save()
        return site_settings

    return update


@pytest.fixture
def moderator(db):
    return get_user_model().objects.create_superuser("moderator", "mod@example.com", "pw-12345!")


@pytest.fixture
def post(db):
    """Post through the action with plausible defaults; each call is a new reader and text."""

    def post_comment(article, **fields):
        n = next(_serial)
        defaults = {
            "name": f"Reader {n}",
            "email": f"reader{n}@example.com",
            "body": f"A considered thought, number {n}.",
            "ip": f"192.0.2.{n % 250 + 1}",
        }
        return actions.comment_post(article=article, **{**defaults, **fields})

    return post_comment
