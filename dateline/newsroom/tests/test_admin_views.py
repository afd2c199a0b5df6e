"""“New article”, which asks for the section, and the topic type-ahead's suggestions."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from wagtail.models import GroupPagePermission

from .factories import TopicAliasFactory, TopicFactory, make_section

pytestmark = pytest.mark.django_db

NEW_ARTICLE = reverse("articles:choose_parent")


def add_form_url(section) -> str:
    return reverse("wagtailadmin_pages:add", args=["newsroom", "articlepage", section.pk])


@pytest.fixture
def editor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("chief", "c@example.com", "pw"))
    return client


def test_new_article_asks_for_the_section_and_goes_to_its_add_form(editor):
    world = make_section(title="World")
    iraq = make_section(world, title="Iraq")
    make_section(title="Sport")

    response = editor.get(NEW_ARTICLE)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'method="get"' in html
    assert [label for _, label in response.context["form"].fields["section"].choices] == [
        "World",
        "— Iraq",
        "Sport",
    ]
    chosen = editor.get(NEW_ARTICLE, {"section": iraq.pk})
    assert chosen.status_code == 302
    assert chosen["Location"] == add_form_url(iraq)
    assert editor.get(chosen["Location"]).status_code == 200


def test_new_article_with_one_section_goes_straight_to_its_add_form(editor):
    only = make_section(title="World")

    response = editor.get(NEW_ARTICLE)

    assert response.status_code == 302
    assert response["Location"] == add_form_url(only)


def test_new_article_refuses_a_section_the_editor_may_not_add_to(client, django_user_model):
    world, sport = make_section(title="World"), make_section(title="Sport")
    desk = Group.objects.create(name="World desk")
    desk.permissions.add(Permission.objects.get(codename="access_admin"))
    GroupPagePermission.objects.create(
        group=desk, page=world, permission=Permission.objects.get(codename="add_page")
    )
    reporter = django_user_model.objects.create_user("reporter", "r@example.com", "pw")
    reporter.groups.add(desk)
    client.force_login(reporter)

    assert client.get(NEW_ARTICLE)["Location"] == add_form_url(world)
    refused = client.get(NEW_ARTICLE, {"section": sport.pk})
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.content.decode()


def test_the_menu_and_the_listing_offer_new_article(editor):
    make_section(title="World")
    make_section(title="Sport")

    dashboard = editor.get(reverse("wagtailadmin_home")).content.decode()
    listing = editor.get(reverse("articles:index")).content.decode()

    assert NEW_ARTICLE in dashboard and "New article" in dashboard
    assert f'href="{NEW_ARTICLE}"' in listing


def test_topic_suggestions_match_names_and_aliases(editor):
    TopicFactory(name="Iraq")
    TopicAliasFactory(topic=TopicFactory(name="Islamic State"), name="ISIL")
    TopicFactory(name="Syria")
    url = reverse("newsroom_topic_suggestions")

    assert editor.get(url, {"term": "i"}).json() == ["Iraq", "Islamic State", "Syria"]
    assert editor.get(url, {"term": "isil"}).json() == ["Islamic State"]
    assert editor.get(url, {"term": " "}).json() == []


def test_topic_suggestions_are_for_the_admin_only(client):
    response = client.get(reverse("newsroom_topic_suggestions"), {"term": "i"})

    assert response.status_code == 302
