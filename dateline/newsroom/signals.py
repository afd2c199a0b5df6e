"""Wagtail's editorial events, routed to newsroom actions."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from wagtail.models import Page, PageViewRestriction, Revision, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.pagecache import SITE_TAG

from . import actions
from .models import (
    ArticlePage,
    Author,
    FooterMenuItem,
    HeaderMenuItem,
    NewsImage,
    NewsroomSettings,
    Source,
    Topic,
)


def _articles_under(page: Page):
    """The ids of the articles at or under `page` (a lazy query: SQLite never runs it)."""
    return ArticlePage.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True)


@receiver(pre_save, sender=ArticlePage)
def remember_lists_before_save(sender, instance: ArticlePage, raw=False, update_fields=None, **kw):
    # Topics or bylines removed by a publish must have their lists purged too. Saving a draft
    # updates a few bookkeeping fields only (update_fields) and changes no list.
    if not raw and update_fields is None and instance.pk and instance.live:
        instance._previous_list_tags = actions.article_list_tags(article=instance)


@receiver(page_published)
@receiver(page_unpublished)
def purge_on_publication_change(sender, instance, **kwargs):
    actions.page_changed_purge(
        page=instance, previous_tags=getattr(instance, "_previous_list_tags", ())
    )


@receiver(page_published)
@receiver(page_unpublished)
def refresh_search_on_publication_change(sender, instance, **kwargs):
    if isinstance(instance, ArticlePage):
        actions.article_search_refresh(article_ids=[instance.pk])


@receiver(page_published)
def schedule_expiry(sender, instance, **kwargs):
    if instance.expire_at:
        actions.publication_schedule(at=instance.expire_at)


@receiver(post_page_move)
def purge_on_move(sender, instance, **kwargs):
    page_cache_purge_on_commit(tags={SITE_TAG})
    # Moved into or out of a private section.
    actions.article_search_refresh_later(article_ids=_articles_under(instance))


@receiver(post_save, sender=Revision)
def schedule_go_live(sender, instance: Revision, raw=False, **kwargs):
    if not raw and instance.approved_go_live_at:
        actions.publication_schedule(at=instance.approved_go_live_at)


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def purge_on_privacy_change(sender, instance, raw=False, **kwargs):
    # Who may see a section or article changes what the navigation, lists and pages show.
    if not raw:
        page_cache_purge_on_commit(tags={SITE_TAG})


@receiver(post_save, sender=PageViewRestriction)
def refresh_search_on_restriction(sender, instance, raw=False, **kwargs):
    # Out of readers' search at once: restricted articles are only deleted, which is quick.
    if not raw:
        actions.article_search_refresh(article_ids=_articles_under(instance.page))


@receiver(post_delete, sender=PageViewRestriction)
def refresh_search_on_restriction_lifted(sender, instance, **kwargs):
    # Public again: indexing a whole section again is the worker's job.
    actions.article_search_refresh_later(article_ids=_articles_under(instance.page))


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def purge_on_site_change(sender, raw=False, **kwargs):
    # Every address and the site lookup itself (dateline.core.sites) depend on it.
    if not raw:
        page_cache_purge_on_commit(tags={SITE_TAG})


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Topic)
@receiver(post_save, sender=Source)
def purge_on_shared_content_change(sender, raw=False, **kwargs):
    # Names and bios appear on many pages; these edits are rare. (Site settings purge
    # themselves: dateline.core.site_settings.)
    if not raw:
        page_cache_purge_on_commit(tags={SITE_TAG})


@receiver(post_save, sender=Topic)
@receiver(pre_delete, sender=Topic)
def refresh_search_on_topic_change(sender, instance: Topic, raw=False, **kwargs):
    # A topic's names and aliases are searched as words of its articles.
    if not raw:
        actions.article_search_refresh_later(
            article_ids=ArticlePage.objects.filter(topics=instance).values_list("pk", flat=True)
        )


@receiver(post_save, sender=Author)
@receiver(pre_delete, sender=Author)
def refresh_search_on_author_change(sender, instance: Author, raw=False, **kwargs):
    if not raw:
        actions.article_search_refresh_later(
            article_ids=ArticlePage.objects.filter(bylines__author=instance).values_list(
                "pk", flat=True
            )
        )


# How articles carry each shared name: a byline's author, a topic, a source cited.
ARTICLES_CARRYING = {Author: "bylines__author", Topic: "topics", Source: "citations__source"}


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Topic)
@receiver(post_save, sender=Source)
@receiver(pre_delete, sender=Topic)
def reindex_articles_on_name_change(sender, instance, raw=False, created=False, **kwargs):
    # The names are words of their articles in Wagtail's index (the admin's page search).
    if not raw and not created:
        articles = ArticlePage.objects.filter(**{ARTICLES_CARRYING[sender]: instance})
        actions.article_index_refresh_later(article_ids=articles.values_list("pk", flat=True))


@receiver(post_save, sender=HeaderMenuItem)
@receiver(post_save, sender=FooterMenuItem)
@receiver(post_delete, sender=HeaderMenuItem)
@receiver(post_delete, sender=FooterMenuItem)
def purge_on_menu_change(sender, raw=False, **kwargs):
    # Also when a deleted page takes its menu items with it, which no settings save covers.
    if not raw:
        actions.menus_changed_purge()


@receiver(post_save, sender=NewsImage)
def purge_when_the_logo_changes(sender, instance: NewsImage, raw=False, **kwargs):
    # Every article's JSON-LD names the logo's file (publisher.logo), kept under the site tag.
    if not raw and NewsroomSettings.objects.filter(logo=instance).exists():
        page_cache_purge_on_commit(tags={SITE_TAG})
