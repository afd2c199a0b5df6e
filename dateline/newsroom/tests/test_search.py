"""Search runs on the database's own full-text engine: SQLite FTS5 or PostgreSQL."""

from datetime import timedelta

import pytest

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
