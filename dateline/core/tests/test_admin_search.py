"""The admin's "Other searches": the page search offers authors, topics, sources, comments
and subscribers, each a link to its listing that finds the row, to the editors who may
open that listing."""

import html
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils.timezone import now
from wagtail.models import GroupPagePermission

from dateline.comments.actions import comment_post
from dateline.newsletter.models import Subscriber
from dateline.newsroom.tests.factories import (
    AuthorFactory,
    SourceFactory,
    TopicFactory,
    make_article,
    make_section,
)

pytestmark = pytest.mark.django_db(transaction=True)
SEARCH = "/admin/pages/search/"


def other_searches(client, query: str) -> dict[str, str]:
    """Label -> link of each of the search page's "Other searches"."""
    response = client.get(SEARCH, {"q": query})
    assert response.status_code == 200
    nav = response.content.decode().split('id="other-searches-title"', 1)[1].split("</nav>")[0]
    links = re.findall(r'<a href="([^"]+)"[^>]*>(?:\s*<svg.*?</svg>)?\s*([^<]+?)\s*</a>', nav, re.S)
    return {label: html.unescape(href) for href, label in links}


def test_each_area_links_to_its_listing_with_the_words_and_finds_the_row(admin_client, run_worker):
    AuthorFactory(name="Rana Haddad", bio="Based in Mosul.")
    AuthorFactory(name="Layla Hassan", bio="Based in Cairo.")
    TopicFactory(name="Battle of Mosul")
    SourceFactory(name="Mosul Eye")
    article = make_article(make_section(), title="Ceasefire talks")
    comment_post(article=article, name="Reader", email="r@example.com", body="I live in Mosul.")
    Subscriber.objects.create(
        email="mosul.reader@example.com", email_key="mosul.reader@example.com", created_at=now()
    )
    run_worker()

    areas = other_searches(admin_client, "mosul")
    expected = {
        "Authors": (reverse("wagtailsnippets_newsroom_author:list"), "Rana Haddad"),
        "Topics": (reverse("wagtailsnippets_newsroom_topic:list"), "Battle of Mosul"),
        "Sources": (reverse("wagtailsnippets_newsroom_source:list"), "Mosul Eye"),
        "Comments": (reverse("comments_admin:queue"), "I live in Mosul."),
        "Subscribers": (reverse("newsletter_admin:subscribers"), "mosul.reader@example.com"),
    }
    for label, (url, row) in expected.items():
        assert areas[label] == f"{url}?q=mosul", label
        listing = admin_client.get(areas[label])
        assert listing.status_code == 200, label
        assert row in listing.content.decode(), label
    assert "Layla Hassan" not in admin_client.get(areas["Authors"]).content.decode()
    assert list(areas)[:1] == ["Pages"]  # the sidebar search stays the pages search


def test_an_editor_sees_only_the_areas_they_may_open(client, django_user_model):
    section = make_section()
    moderators = Group.objects.create(name="Moderators of the desk")
    moderators.permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(content_type__app_label="comments", codename="change_comment"),
    )
    GroupPagePermission.objects.create(
        group=moderators, page=section, permission=Permission.objects.get(codename="change_page")
    )
    moderator = django_user_model.objects.create_user("moderator", "m@example.com", "pw")
    moderator.groups.add(moderators)
    client.force_login(moderator)

    areas = other_searches(client, "mosul")

    assert {"Pages", "Comments"} <= set(areas)
    assert not {"Authors", "Topics", "Sources", "Subscribers"} & set(areas)
    moderators.permissions.add(Permission.objects.get(codename="view_author"))
    assert "Authors" in other_searches(client, "mosul")
