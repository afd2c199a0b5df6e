"""What is kept under the site tag (dateline.core.sites): the site lookup, the site settings
and the section navigation, in the shared cache and in each process's memory."""

import pytest
from django.core.cache import cache
from wagtail.models import Site

from dateline.core.actions import page_cache_purge
from dateline.core.pagecache import SITE_TAG
from dateline.core.site_settings import setting_key
from dateline.core.sites import site_tagged
from dateline.newsroom.models import NewsroomSettings

pytestmark = pytest.mark.django_db


def test_a_change_made_elsewhere_is_seen_after_the_purge_despite_this_process_copy():
    site = Site.objects.get(is_default_site=True)
    assert NewsroomSettings.for_site(site).name == "Dateline"  # now kept in this process
    # Another process saves it: the row changes and the site tag gets a new version.
    NewsroomSettings.objects.filter(site=site).update(name="The Gazette")
    assert NewsroomSettings.for_site(site).name == "Dateline"  # until the purge, as before
    page_cache_purge(tags={SITE_TAG})
    assert NewsroomSettings.for_site(site).name == "The Gazette"


def test_a_save_in_this_process_is_read_back_at_once(django_capture_on_commit_callbacks):
    site = Site.objects.get(is_default_site=True)
    settings = NewsroomSettings.for_site(site)
    settings.name = "The Gazette"
    with django_capture_on_commit_callbacks(execute=True):
        settings.save()
        # Before the commit purges the site tag: the copy kept under this version is gone.
        assert NewsroomSettings.for_site(site).name == "The Gazette"
    assert NewsroomSettings.for_site(site).name == "The Gazette"


def test_each_reader_gets_a_copy_of_its_own():
    site = Site.objects.get(is_default_site=True)
    first, second = NewsroomSettings.for_site(site), NewsroomSettings.for_site(site)
    assert first is not second
    first._request = object()  # as Wagtail's for_request does, per request
    assert not hasattr(second, "_request")


def test_the_shared_cache_serves_a_process_that_has_no_copy_yet(django_assert_num_queries):
    site = Site.objects.get(is_default_site=True)
    NewsroomSettings.for_site(site)
    site_tagged.clear()  # another process: nothing in memory, the shared cache has it
    assert cache.get(site_tagged.key(setting_key(NewsroomSettings, site.pk))) is not None
    with django_assert_num_queries(0):
        assert NewsroomSettings.for_site(site).name == "Dateline"
