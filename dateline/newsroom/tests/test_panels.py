"""The scheduling dialog says which time zone its dates are in: the editor's."""

import pytest
from django.urls import reverse
from wagtail.users.models import UserProfile

from .factories import make_article, make_section

pytestmark = pytest.mark.django_db


def test_the_schedule_dates_name_the_sites_time_zone(admin_client):
    article = make_article(make_section(), publish=False)
    page = admin_client.get(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    assert page.content.decode().count("Time zone: UTC.") == 2


def test_the_schedule_dates_name_the_editors_own_time_zone(admin_client, admin_user):
    profile = UserProfile.get_for_user(admin_user)
    profile.current_time_zone = "Asia/Dubai"
    profile.save()
    section = make_section()
    url = reverse("wagtailadmin_pages:add", args=["newsroom", "articlepage", section.pk])
    markup = admin_client.get(url).content.decode()
    assert markup.count("Time zone: Asia/Dubai (+04).") == 2
    # The stylesheet and script that keep "Save schedule" usable come with the editor.
    assert "newsroom/admin/schedule.css" in markup
    assert "newsroom/admin/schedule.js" in markup
