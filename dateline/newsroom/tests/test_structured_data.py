"""JSON-LD of articles not published yet: a draft's or a scheduled page's preview."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dateline.core.dates import iso_datetime
from dateline.newsroom.models import ArticleCorrection, ArticlePage, NewsroomSettings
from dateline.newsroom.structured_data import news_article

from .factories import make_article, make_section

pytestmark = pytest.mark.django_db


def json_ld(article):
    return news_article(
        article=article,
        section=article.section,
        bylines=[],
        citations=[],
        topics=[],
        newsroom=NewsroomSettings(name="Test Times", language="en"),
        image_urls=[],
        logo=None,
    )


def test_a_draft_is_dated_the_moment_of_its_preview_everywhere():
    article = make_article(make_section(), title="Never out", publish=False)
    assert article.first_published_at is None
    data = json_ld(article)
    assert data["datePublished"] == iso_datetime(article.previewed_at)
    assert data["dateModified"] == data["datePublished"]
    assert data["url"].endswith("/never-out-" + article.slug.rsplit("-", 1)[1] + "/")


def test_a_scheduled_article_is_dated_when_it_goes_live():
    go_live = timezone.now() + timedelta(days=2)
    article = make_article(make_section(), publish=False, go_live_at=go_live)
    data = json_ld(article)
    assert data["datePublished"] == iso_datetime(go_live)
    correction_at = go_live + timedelta(hours=1)
    ArticleCorrection.objects.create(page=article, at=correction_at, note="A name.")
    assert json_ld(ArticlePage.objects.get(pk=article.pk))["dateModified"] == iso_datetime(
        correction_at
    )


def test_a_new_page_not_saved_yet_has_no_address_and_still_a_date():
    section = make_section()
    article = ArticlePage(title="Brand new", slug="brand-new", body="<p>Words.</p>")
    data = news_article(
        article=article,
        section=section,
        bylines=[],
        citations=[],
        topics=[],
        newsroom=NewsroomSettings(name="Test Times", language="en"),
        image_urls=[],
        logo=None,
    )
    assert "url" not in data and "mainEntityOfPage" not in data
    assert data["datePublished"] == iso_datetime(article.previewed_at)


def test_a_published_article_keeps_its_first_publication_date():
    article = make_article(make_section())
    assert json_ld(article)["datePublished"] == iso_datetime(article.first_published_at)
