"""Slugs from headlines and names: typed along in the admin, made on the server when blank."""

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import querydict_from_html, rich_text

from dateline.newsroom.models import ArticlePage, Author, SectionPage, Topic
from dateline.newsroom.slugs import slug_from

from .factories import AuthorFactory, TopicAliasFactory, make_article, make_home, make_section

pytestmark = pytest.mark.django_db


def page_form(admin_client, url: str, **fields):
    """The admin's form at `url` as the browser would send it, with `fields` typed in."""
    response = admin_client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.update(fields)
    return data


def add_article(admin_client, section, **fields):
    url = reverse("wagtailadmin_pages:add", args=["newsroom", "articlepage", section.pk])
    data = page_form(admin_client, url, **fields)
    return admin_client.post(url, data)


def snippet_form(admin_client, model, **fields):
    url = reverse(f"wagtailsnippets_newsroom_{model._meta.model_name}:add")
    response = admin_client.get(url)
    data = querydict_from_html(response.content.decode(), form_id="w-editor-form")
    data.update(fields)
    return url, data


def test_slug_from_makes_a_free_slug_within_the_length():
    taken = {"a-headline", "a-headline-2"}
    assert slug_from("A Headline!", max_length=50, taken=taken.__contains__) == "a-headline-3"
    assert slug_from("A Headline", max_length=50, taken=lambda s: False) == "a-headline"
    shortened = slug_from("Word " * 40, max_length=20, taken=lambda s: s == "word-word-word-word")
    assert shortened == "word-word-word-wor-2"
    assert slug_from("¿¡!?", max_length=50, taken=lambda s: False) == ""


def test_a_new_articles_first_save_draft_makes_the_slug_from_the_headline(admin_client):
    section = make_section(title="Middle East News", slug="middle-east-news")
    response = add_article(
        admin_client,
        section,
        title="Talks Resume in Doha",
        slug="",
        body=rich_text("<p>Negotiators met again.</p>"),
    )
    assert response.status_code == 302, response.context["form"].errors
    article = ArticlePage.objects.get(title="Talks Resume in Doha")
    assert article.slug == "talks-resume-in-doha"
    assert not article.live
    assert article.get_latest_revision().as_object().slug == "talks-resume-in-doha"


def test_publishing_a_new_article_without_a_slug_takes_a_free_one(admin_client):
    section = make_section(title="World")
    make_article(section, title="Talks resume", slug="talks-resume")
    response = add_article(
        admin_client,
        section,
        title="Talks Resume",
        slug="",
        body=rich_text("<p>Again.</p>"),
        **{"action-publish": "action-publish"},
    )
    assert response.status_code == 302, response.context["form"].errors
    article = ArticlePage.objects.get(title="Talks Resume", live=True)
    assert article.slug == "talks-resume-2"
    assert article.url_path.endswith("/world/talks-resume-2/")


def test_a_slug_error_is_also_shown_under_the_headline(admin_client):
    """A reserved slug, made from the title or typed, is refused on the Promote tab and
    pointed to under the title, on the Content tab where the editor is."""
    home = make_home()
    url = reverse("wagtailadmin_pages:add", args=["newsroom", "sectionpage", home.pk])
    data = page_form(admin_client, url, title="Search", slug="")
    response = admin_client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "is a path the site uses already" in errors["slug"][0]
    assert "the slug, on the Promote tab" in errors["title"][0]
    assert not SectionPage.objects.filter(title="Search").exists()
    page = response.content.decode()
    assert "The page could not be created due to validation errors." in page
    # The title keeps what was typed: nothing is lost.
    assert 'value="Search"' in page


def test_the_headline_drives_the_slug_only_while_the_article_is_unpublished(admin_client):
    section = make_section(title="World")
    url = reverse("wagtailadmin_pages:add", args=["newsroom", "articlepage", section.pk])
    new = admin_client.get(url).content.decode()
    assert 'data-w-sync-target-value="#id_slug"' in new
    assert "keyup-&gt;w-sync#apply" in new or "keyup->w-sync#apply" in new
    assert 'placeholder="Headline*"' in new
    live = make_article(section, title="Out already")
    edit = admin_client.get(reverse("wagtailadmin_pages:edit", args=[live.pk])).content.decode()
    assert "w-sync#apply" not in edit


def test_a_new_author_takes_the_slug_of_their_name(admin_client):
    AuthorFactory(name="Layla Hassan", slug="layla-hassan")
    url, data = snippet_form(admin_client, Author, name="Layla Hassan", slug="")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert Author.objects.filter(slug="layla-hassan-2").exists()


def test_the_author_form_syncs_the_slug_only_for_a_new_author(admin_client):
    new = admin_client.get(reverse("wagtailsnippets_newsroom_author:add")).content.decode()
    assert 'data-w-sync-target-value="#id_slug"' in new and "w-sync#apply" in new
    author = AuthorFactory()
    edit_url = reverse("wagtailsnippets_newsroom_author:edit", args=[author.pk])
    assert "w-sync#apply" not in admin_client.get(edit_url).content.decode()


def test_a_new_topic_takes_a_slug_no_alias_uses(admin_client):
    TopicAliasFactory(name="ISIL", slug="isil")
    url, data = snippet_form(admin_client, Topic, name="ISIL", slug="")
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    assert Topic.objects.get(name="ISIL").slug == "isil-2"


def test_a_topic_alias_slug_follows_its_name_in_the_form(admin_client):
    page = admin_client.get(reverse("wagtailsnippets_newsroom_topic:add")).content.decode()
    assert 'data-w-sync-target-value="#id_aliases-__prefix__-slug"' in page
