"""Search runs on the database's own full-text engine: SQLite FTS5 or PostgreSQL."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.models import PageViewRestriction

from dateline.newsroom import search
from dateline.newsroom.models import ArticlePage, ArticleSearchEntry

from .factories import TopicAliasFactory, TopicFactory, make_article, make_section, now

pytestmark = pytest.mark.django_db(transaction=True)


def results(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_search_finds_the_demo_article_once_the_worker_has_indexed_it(
    client, demo_article, run_worker
):
    run_worker()
    for query in ("Reuters", "coalition airstrikes", "Khamenei"):
        assert "U.S. Gains Support From World Powers VS ISIS" in results(client, query), query
    assert "Nothing found" in results(client, "volcano")


def test_searching_a_topic_alias_finds_articles_tagged_with_the_topic(client, run_worker):
    topic = TopicFactory(name="Islamic State group", slug="is-group")
    TopicAliasFactory(topic=topic, name="Daesh", slug="daesh")
    make_article(
        make_section(),
        title="Coalition meets in Paris",
        topics=[topic],
        body="<p>Ministers met.</p>",
    )
    run_worker()
    assert "Coalition meets in Paris" in results(client, "Daesh")


def test_search_leaves_out_drafts_and_ranks_headline_matches_first(client, run_worker):
    section = make_section()
    make_article(
        section,
        title="Budget talks",
        body="<p>Parliament discussed drought aid.</p>",
        first_published_at=now(),
    )
    make_article(
        section,
        title="Drought deepens",
        body="<p>Rivers are low.</p>",
        first_published_at=now() - timedelta(days=3),
    )
    make_article(section, title="Drought draft", publish=False)
    run_worker()
    markup = results(client, "drought")
    assert "Drought draft" not in markup
    assert markup.index("Drought deepens") < markup.index("Budget talks")
    newest = client.get("/search/", {"q": "drought", "sort": "newest"}).content.decode()
    assert newest.index("Budget talks") < newest.index("Drought deepens")
    assert "Drought draft" not in newest


def test_hostile_or_huge_queries_get_a_page_not_an_error(client, demo_article, run_worker):
    run_worker()
    for query in (
        '"unbalanced',
        "AND OR NOT",
        "*",
        "a" * 5000,
        "<script>alert(1)</script>",
        "ISIS)(",
        "\u202e\u0000",
    ):
        response = client.get("/search/", {"q": query})
        assert response.status_code == 200, query
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_search_page_queries_do_not_grow_with_the_results(
    client, run_worker, django_assert_max_num_queries
):
    section = make_section()
    for n in range(12):
        make_article(section, title=f"Ceasefire talks {n}", guests=[f"Reporter {n}"])
    run_worker()
    client.get("/")  # warm Wagtail's site-root cache, as any running server has
    with django_assert_max_num_queries(10):
        markup = results(client, "ceasefire")
    assert markup.count('class="teaser"') == 12
    assert "Reporter 11" in markup


# Readers' search on PostgreSQL reads its own table (search.py), written with each change.
postgres_only = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="readers' search table is PostgreSQL's; SQLite uses Wagtail's FTS5 index",
)


def searchable_ids() -> set[int]:
    return set(ArticleSearchEntry.objects.values_list("article_id", flat=True))


@postgres_only
def test_a_published_article_is_searchable_at_once_and_leaves_when_withdrawn(client):
    article = make_article(make_section(), title="Harvest fails in the delta")
    assert "Harvest fails in the delta" in results(client, "harvest")  # no worker needed
    article.unpublish()
    assert "Nothing found" in results(client, "harvest")
    assert article.pk not in searchable_ids()


@postgres_only
def test_the_table_holds_only_live_public_articles_and_loses_deleted_ones():
    section = make_section()
    live = make_article(section, title="Pipeline reopens")
    make_article(section, title="Pipeline draft", publish=False)
    assert searchable_ids() == {live.pk}  # not the draft
    live.delete()
    assert searchable_ids() == set()


@postgres_only
def test_a_private_section_leaves_search_at_once_and_returns_through_the_worker(client, run_worker):
    section = make_section(title="Investigations", slug="investigations")
    make_article(section, title="Embassy leak inquiry")
    restriction = PageViewRestriction.objects.create(
        page=section, restriction_type=PageViewRestriction.PASSWORD, password="s3cret"
    )
    assert "Nothing found" in results(client, "embassy")
    restriction.delete()
    assert "Nothing found" in results(client, "embassy")  # until the worker has run
    run_worker()
    assert "Embassy leak inquiry" in results(client, "embassy")


@postgres_only
def test_a_topics_new_alias_reaches_search_through_the_worker(client, run_worker):
    topic = TopicFactory(name="Islamic State group", slug="is-group")
    make_article(make_section(), title="Coalition meets", topics=[topic], body="<p>Met.</p>")
    run_worker()
    assert "Nothing found" in results(client, "Daesh")
    TopicAliasFactory(topic=topic, name="Daesh", slug="daesh")
    topic.save()  # the admin saves the topic with its aliases
    run_worker()
    assert "Coalition meets" in results(client, "Daesh")


@postgres_only
def test_best_match_reranks_the_first_candidates_and_pages_hold_every_match_once(monkeypatch):
    monkeypatch.setattr(search, "RERANKED", 3)
    section = make_section()
    headline = make_article(section, title="Drought talks", first_published_at=now())
    standfirst = make_article(
        section,
        title="Farmers meet",
        standfirst="A drought and a drought plan.",
        first_published_at=now() - timedelta(days=1),
    )
    body_only = [
        make_article(
            section,
            title=f"Market report {n}",
            body="<p>" + "drought " * (n + 1) + "</p>",
            first_published_at=now() - timedelta(days=2 + n),
        )
        for n in range(6)
    ]
    found = search.Results("drought", newest_first=False, load=ArticlePage.objects.live().in_bulk)
    assert found.count() == 8
    pages = [[a.pk for a in found[start : start + 2]] for start in range(0, 8, 2)]
    order = [pk for page in pages for pk in page]
    assert sorted(order) == sorted([headline.pk, standfirst.pk, *(a.pk for a in body_only)])
    # Headline (A) over standfirst (B) over body words (D); the third candidate is the
    # newest body-only match, and the rest follow newest first, as ranked on their leads.
    assert order[:3] == [headline.pk, standfirst.pk, body_only[0].pk]
    assert order[3:] == [a.pk for a in body_only[1:]]
    newest = search.Results("drought", newest_first=True, load=ArticlePage.objects.in_bulk)
    assert [a.pk for a in newest[0:3]] == [headline.pk, standfirst.pk, body_only[0].pk]


@postgres_only
def test_rebuild_command_fills_the_table_from_the_articles():
    section = make_section()
    articles = [make_article(section, title=f"Summit day {n}") for n in range(3)]
    ArticleSearchEntry.objects.all().delete()
    out = io.StringIO()
    call_command("article_search_rebuild", stdout=out)
    assert "3 articles searchable" in out.getvalue()
    assert searchable_ids() == {a.pk for a in articles}
