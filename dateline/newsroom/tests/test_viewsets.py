"""The Articles listing across sections, and the choosers that create authors and sources."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dateline.core.dates import scheduled_time
from dateline.newsroom.models import ArticlePage, Author, Source

from .factories import AuthorFactory, make_article, make_section

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("chief", "chief@example.com", "pw")
    client.force_login(user)
    return client


def listed(editor, **params) -> list[str]:
    response = editor.get(reverse("articles:index"), params)
    assert response.status_code == 200
    return [page.title for page in response.context["object_list"]]


def scheduled(section, title: str, at):
    article = make_article(section, title=title, publish=False)
    article.go_live_at = at
    article.save_revision().publish()
    return ArticlePage.objects.get(pk=article.pk)


def test_the_listing_shows_every_article_with_its_section_bylines_and_status(editor):
    world = make_section(title="World")
    iraq = make_section(world, title="Iraq")
    sport = make_section(title="Sport")
    layla, omar = AuthorFactory(name="Layla Hassan"), AuthorFactory(name="Omar Khalil")
    make_article(iraq, title="Mosul retaken", authors=[layla, omar])
    make_article(sport, title="Cup final", guests=["Reuters"], publish=False).save_revision()

    response = editor.get(reverse("articles:index"))

    html = response.content.decode()
    assert sorted(listed(editor)) == ["Cup final", "Mosul retaken"]
    assert "Layla Hassan and Omar Khalil" in html
    assert ">Iraq</a>" in html and ">Sport</a>" in html
    assert "New article" in html
    assert response.context["object_list"][0].title == "Cup final", "last updated first"


def test_the_listing_reads_in_a_fixed_number_of_queries(editor, django_assert_max_num_queries):
    section = make_section()
    later = timezone.now() + timedelta(days=1)
    for number in range(3):
        make_article(section, title=f"Story {number}", authors=[AuthorFactory()])
    scheduled(section, "Scheduled 0", later)
    editor.get(reverse("articles:index"))  # warm the caches of content types and settings
    with django_assert_max_num_queries(30) as four:
        editor.get(reverse("articles:index"))
    for number in range(3, 9):
        make_article(section, title=f"Story {number}", authors=[AuthorFactory()])
        scheduled(section, f"Scheduled {number}", later)
    with django_assert_max_num_queries(len(four.captured_queries)):
        editor.get(reverse("articles:index"))


def test_filters_by_section_including_its_subsections(editor):
    world = make_section(title="World")
    iraq = make_section(world, title="Iraq")
    sport = make_section(title="Sport")
    make_article(world, title="Summit")
    make_article(iraq, title="Mosul retaken")
    make_article(sport, title="Cup final")

    assert sorted(listed(editor, section=world.pk)) == ["Mosul retaken", "Summit"]
    assert listed(editor, section=iraq.pk) == ["Mosul retaken"]


def test_filters_by_author(editor):
    section = make_section()
    layla = AuthorFactory(name="Layla Hassan")
    make_article(section, title="Hers", authors=[layla, AuthorFactory()])
    make_article(section, title="Not hers", authors=[AuthorFactory()])

    assert listed(editor, author=layla.pk) == ["Hers"]


def test_filters_by_status_and_says_when_a_scheduled_article_goes_live(editor):
    section = make_section()
    make_article(section, title="Draft", publish=False)
    make_article(section, title="Live")
    changed = make_article(section, title="Live with changes")
    changed.standfirst = "Rewritten."
    changed.save_revision()
    at = (timezone.now() + timedelta(days=2)).replace(hour=9, minute=30, second=0)
    scheduled(section, "Scheduled", at)

    assert listed(editor, status="draft") == ["Draft"]
    assert listed(editor, status="live") == ["Live"]
    assert listed(editor, status="live+draft") == ["Live with changes"]
    assert listed(editor, status="scheduled") == ["Scheduled"]
    html = editor.get(reverse("articles:index"), {"status": "scheduled"}).content.decode()
    assert f"scheduled for {scheduled_time(at)}" in html


def test_filters_by_when_articles_are_scheduled(editor):
    section = make_section()
    soon = timezone.now() + timedelta(days=1)
    scheduled(section, "Tomorrow", soon)
    scheduled(section, "Next month", soon + timedelta(days=30))
    make_article(section, title="Live")

    day = timezone.localdate(soon).isoformat()
    assert listed(editor, scheduled_from=day, scheduled_to=day) == ["Tomorrow"]


def test_the_author_chooser_creates_an_author_with_a_slug_from_the_name(editor):
    AuthorFactory(name="Sara Ali", slug="sara-ali")
    url = reverse(Author.snippet_viewset.chooser_viewset.get_url_name("create"))

    response = editor.post(url, {"name": "Sara Ali", "role": "Baghdad correspondent"})

    assert response.status_code == 200
    assert response.json()["step"] == "chosen"
    author = Author.objects.get(role="Baghdad correspondent")
    assert (author.name, author.slug) == ("Sara Ali", "sara-ali-2")
    assert response.json()["result"]["id"] == str(author.pk)


def test_the_source_chooser_creates_a_source_and_shows_a_broken_rule_in_the_modal(editor):
    url = reverse(Source.snippet_viewset.chooser_viewset.get_url_name("create"))
    chooser = editor.get(reverse(Source.snippet_viewset.chooser_viewset.get_url_name("choose")))
    assert "New source" in chooser.json()["html"]

    made = editor.post(url, {"name": "Reuters", "kind": "wire", "url": "https://reuters.com"})
    again = editor.post(url, {"name": "reuters", "kind": "wire"})

    assert made.json()["step"] == "chosen"
    assert Source.objects.get().name == "Reuters"
    assert again.json()["step"] == "reshow_creation_form"
    assert "“Reuters (Wire agency)” is there already" in again.json()["htmlFragment"]
    assert Source.objects.count() == 1


def test_a_sections_page_offers_a_labelled_new_article_and_lists_all_its_pages(editor):
    world = make_section(title="World")
    make_section(world, title="Iraq")
    make_article(world, title="Summit")

    response = editor.get(reverse("wagtailadmin_explore", args=[world.pk]))

    html = response.content.decode()
    assert sorted(page.title for page in response.context["object_list"]) == ["Iraq", "Summit"]
    new_article = reverse("wagtailadmin_pages:add", args=["newsroom", "articlepage", world.pk])
    assert f'href="{new_article}"' in html
    assert 'aria-label="Add an article or a subsection"' in html
    edit = editor.get(reverse("wagtailadmin_pages:edit", args=[world.pk]))
    assert edit.status_code == 200
