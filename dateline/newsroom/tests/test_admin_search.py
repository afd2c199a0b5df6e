"""The admin's page search finds articles by every word editors remember of them, and the
newsroom's snippets by more than their names, on the real search backend (SQLite FTS5 or
PostgreSQL), kept current by the worker on publish and on draft save."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from dateline.newsroom.actions import article_publish
from dateline.newsroom.models import ArticleByline, ArticleCitation, ArticlePage

from .factories import (
    AuthorFactory,
    SourceFactory,
    TopicAliasFactory,
    TopicFactory,
    make_article,
    make_section,
)

pytestmark = pytest.mark.django_db(transaction=True)
HEADLINE = "U.S. Gains Support From World Powers VS ISIS"


def page_search(client, query: str) -> str:
    response = client.get(reverse("wagtailadmin_pages:search"), {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def found(client, query: str, title: str) -> bool:
    return title in page_search(client, query)


def test_the_reference_article_is_found_by_its_body_sources_topics_and_bylines(
    admin_client, demo_article, run_worker
):
    demo_article.bylines = [
        ArticleByline(author=AuthorFactory(name="Layla Hassan", slug="layla-hassan")),
        ArticleByline(guest_name="Omar Khalil", guest_affiliation="Al-Monitor"),
    ]
    article_publish(article=demo_article)
    run_worker()
    for query in (
        "Reuters",  # in the body and a source cited
        "Khamenei",  # a body word
        "Centcom",
        "Layla Hassan",  # a staff byline
        "Omar Khalil",  # a guest byline
        "Al-Monitor",
        "Levant",  # a topic's alias
        "Washington Post",
        "Khal",  # words are completed as the editor types
    ):
        assert found(admin_client, query, HEADLINE), query
    assert "Sorry, no pages match" in page_search(admin_client, "volcano")


def test_standfirst_source_note_and_dateline_are_found_too(admin_client, run_worker):
    source = SourceFactory(name="Agence France-Presse")
    article = make_article(
        make_section(),
        title="Ministers meet",
        standfirst="Envoys gather in Muscat.",
        dateline_place="MUSCAT",
        publish=False,
    )
    article.citations = [ArticleCitation(source=source, note="A diplomat in Salalah.")]
    article_publish(article=article)
    run_worker()
    for query in ("envoys", "Agence France", "Salalah", "muscat"):
        assert found(admin_client, query, "Ministers meet"), query


def test_a_draft_is_found_by_its_latest_words_and_readers_search_by_its_published_ones(
    admin_client, client, run_worker
):
    section = make_section()
    article = make_article(section, title="Ministers meet", body="<p>Talks went on.</p>")
    never_published = make_article(section, title="Pipeline deal", publish=False)
    run_worker()
    assert not found(admin_client, "tariffs", "Ministers meet")

    # "Save draft": a revision, the page row keeps the published text.
    draft = article.get_latest_revision_as_object()
    draft.body = "<p>Talks turned to tariffs.</p>"
    draft.bylines = [ArticleByline(guest_name="Omar Khalil")]
    draft.save_revision()
    draft = never_published.get_latest_revision_as_object()
    draft.standfirst = "Refinery output doubles."
    draft.save_revision()
    run_worker()

    assert found(admin_client, "tariffs", "Ministers meet")
    assert found(admin_client, "Omar Khalil", "Ministers meet")
    assert found(admin_client, "refinery", "Pipeline deal")
    assert "Ministers meet" not in client.get("/search/", {"q": "tariffs"}).content.decode()

    article_publish(article=ArticlePage.objects.get(pk=article.pk).get_latest_revision_as_object())
    run_worker()
    assert found(admin_client, "tariffs", "Ministers meet")
    assert not found(admin_client, "went", "Ministers meet")


def test_update_index_fills_in_articles_indexed_before(admin_client, demo_article, run_worker):
    """Rows indexed by an older version (only their headline searchable in the admin) are
    brought up to date by `manage.py update_index`."""
    from wagtail.search.models import IndexEntry

    run_worker()
    IndexEntry.objects.update(autocomplete="")
    assert not found(admin_client, "Reuters", HEADLINE)
    call_command("update_index", stdout=io.StringIO())
    assert found(admin_client, "Reuters", HEADLINE)


def listing(client, model: str, query: str) -> str:
    response = client.get(reverse(f"wagtailsnippets_newsroom_{model}:list"), {"q": query})
    assert response.status_code == 200
    return response.content.decode()


def test_snippet_listings_search_roles_bios_descriptions_aliases_and_addresses(
    admin_client, run_worker
):
    AuthorFactory(name="Layla Hassan", role="Cairo correspondent", bio="Covers parliament.")
    topic = TopicFactory(name="ISIS", description="The militant group in Iraq and Syria.")
    TopicAliasFactory(topic=topic, name="Daesh")
    SourceFactory(name="AFP", url="https://www.afp.com/", description="French wire agency.")
    run_worker()
    for query in ("Layla", "Cairo", "parliament", "correspond"):
        assert "Layla Hassan" in listing(admin_client, "author", query), query
    for query in ("ISIS", "militant", "Daesh"):
        assert "ISIS" in listing(admin_client, "topic", query), query
    for query in ("AFP", "www.afp.com", "French"):
        assert "French wire agency" not in listing(admin_client, "source", "nothing-like-it")
        assert "https://www.afp.com/" in listing(admin_client, "source", query), query
    assert "Layla Hassan" not in listing(admin_client, "author", "Baghdad")


def test_renamed_authors_topics_and_sources_reach_their_articles_through_the_worker(
    admin_client, client, run_worker
):
    author = AuthorFactory(name="Layla Hassan")
    topic = TopicFactory(name="Drought")
    source = SourceFactory(name="AFP")
    article = make_article(
        make_section(), title="Rivers run dry", authors=[author], topics=[topic], publish=False
    )
    article.citations = [ArticleCitation(source=source)]
    article_publish(article=article)
    run_worker()
    assert not found(admin_client, "Rahimi", "Rivers run dry")

    author.name = "Layla Rahimi"
    author.save()
    topic.name = "Water crisis"
    topic.save()
    source.name = "Agence France-Presse"
    source.save()
    run_worker()

    for query in ("Rahimi", "crisis", "Agence France"):
        assert found(admin_client, query, "Rivers run dry"), query
    assert not found(admin_client, "Drought", "Rivers run dry")
    # Readers' search too, on either database.
    assert "Rivers run dry" in client.get("/search/", {"q": "Rahimi"}).content.decode()
