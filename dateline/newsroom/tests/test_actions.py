from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from wagtail.models import Page

from dateline.newsroom import actions
from dateline.newsroom.models import ArticlePage

from .factories import AuthorFactory, TopicFactory, make_article, make_section, now

pytestmark = pytest.mark.django_db(transaction=True)


def get(client: Client, url: str):
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def test_publishing_purges_the_article_its_sections_topics_author_home_feeds_and_sitemaps():
    world = make_section(title="World")
    middle_east = make_section(world, title="Middle East", slug="middle-east")
    topic = TopicFactory(slug="iraq")
    author = AuthorFactory(slug="reporter")
    first = make_article(middle_east, title="First story", topics=[topic], authors=[author])
    client = Client()
    urls = [
        "/",
        world.url,
        middle_east.url,
        "/topics/iraq/",
        "/authors/reporter/",
        "/feed/",
        f"{middle_east.url}feed/atom/",
        "/sitemap-articles.xml",
        "/news-sitemap.xml",
        f"/archive/{now():%Y}/{now().month}/",
        first.url,
    ]
    for url in urls:
        get(client, url)
    assert all(get(client, url)["X-Cache"] == "HIT" for url in urls)

    make_article(middle_east, title="Second story", topics=[topic], authors=[author])
    for url in urls[:-1]:
        response = get(client, url)
        assert response["X-Cache"] == "MISS", url
        body = response.content.decode()
        assert "Second story" in body or "/second-story-" in body, url
    assert get(client, first.url)["X-Cache"] == "HIT", "an unrelated article stays cached"


def test_updating_an_article_purges_its_page_and_the_topic_it_left():
    section = make_section()
    old_topic, new_topic = TopicFactory(slug="old"), TopicFactory(slug="new")
    article = make_article(section, title="Original headline", topics=[old_topic])
    client = Client()
    get(client, article.url)
    assert "Original headline" in get(client, "/topics/old/").content.decode()

    article = ArticlePage.objects.get(pk=article.pk)
    article.title = "Revised headline"
    article.topics = [new_topic]
    actions.article_publish(article=article)
    assert "Revised headline" in get(client, article.url).content.decode()
    assert "Original headline" not in get(client, "/topics/old/").content.decode()
    assert "Revised headline" in get(client, "/topics/new/").content.decode()


def test_unpublishing_removes_the_article_everywhere_at_once():
    section = make_section()
    article = make_article(section, title="Withdrawn story")
    client = Client()
    for url in ("/", section.url, "/feed/", article.url):
        get(client, url)
    article.unpublish()
    assert client.get(article.url).status_code == 404
    for url in ("/", section.url, "/feed/"):
        assert "Withdrawn story" not in get(client, url).content.decode()


def test_scheduled_article_goes_live_on_time_through_the_worker(run_worker):
    section = make_section()
    article = make_article(section, title="Embargoed story", publish=False)
    go_live = now() + timedelta(hours=2)
    article.go_live_at = go_live
    actions.article_publish(article=article)
    article.refresh_from_db()
    assert not article.live
    client = Client()
    assert "Embargoed story" not in get(client, section.url).content.decode()

    run_worker()
    assert not ArticlePage.objects.get(pk=article.pk).live, "nothing runs before its time"

    with time_machine.travel(go_live + timedelta(seconds=1)):
        run_worker()
    article.refresh_from_db()
    assert article.live
    assert "Embargoed story" in get(client, section.url).content.decode()


def test_expiring_article_is_withdrawn_by_the_worker(run_worker):
    section = make_section()
    article = make_article(section, title="Short-lived", publish=False)
    article.expire_at = now() + timedelta(hours=1)
    actions.article_publish(article=article)
    assert ArticlePage.objects.get(pk=article.pk).live
    with time_machine.travel(article.expire_at + timedelta(seconds=1)):
        run_worker()
    assert not ArticlePage.objects.get(pk=article.pk).live


def test_scheduled_publishing_publishes_each_due_revision_once():
    section = make_section()
    article = make_article(section, publish=False)
    article.go_live_at = now() + timedelta(minutes=5)
    actions.article_publish(article=article)
    with time_machine.travel(now() + timedelta(minutes=6)):
        assert actions.scheduled_pages_publish() == 1
        assert actions.scheduled_pages_publish() == 0
    assert Page.objects.get(pk=article.pk).live


def test_topic_create_makes_the_slug_from_the_name_and_refuses_a_taken_one():
    from django.core.exceptions import ValidationError

    from .factories import TopicAliasFactory

    topic = actions.topic_create(name="  Kurdish   Regional Government ")
    TopicAliasFactory(topic=topic, name="KRG", slug="krg")

    assert topic.name == "Kurdish Regional Government"
    assert topic.slug == "kurdish-regional-government"
    for name, error in [
        ("kurdish regional government", "is the topic “Kurdish Regional Government”"),
        ("K.R.G.", "is an alias of the topic “Kurdish Regional Government”"),
    ]:
        with pytest.raises(ValidationError, match=error):
            actions.topic_create(name=name)


def test_author_create_numbers_a_slug_another_author_has():
    AuthorFactory(name="Sara Ali", slug="sara-ali")

    author = actions.author_create(name="Sara Ali", role="Stringer")

    assert (author.slug, author.role) == ("sara-ali-2", "Stringer")


def test_source_create_refuses_a_link_for_an_anonymous_source():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        actions.source_create(name="An official", kind="anonymous", url="https://example.com")
    assert actions.source_create(name="An official", kind="anonymous").pk
