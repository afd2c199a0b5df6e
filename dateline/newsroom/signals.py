"""Wagtail's editorial events, routed to newsroom actions."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction, Revision, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.pagecache import SITE_TAG

from . import actions
from .models import ArticlePage, Author, NewsroomSettings, Source, Topic


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
def schedule_expiry(sender, instance, **kwargs):
    if instance.expire_at:
        actions.publication_schedule(at=instance.expire_at)


@receiver(post_page_move)
def purge_on_move(sender, instance, **kwargs):
    page_cache_purge_on_commit(tags={SITE_TAG})


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


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def purge_on_site_change(sender, raw=False, **kwargs):
    # Every address and the site lookup itself (dateline.core.sites) depend on it.
    if not raw:
        page_cache_purge_on_commit(tags={SITE_TAG})


@receiver(post_save, sender=Author)
@receiver(post_save, sender=Topic)
@receiver(post_save, sender=Source)
@receiver(post_save, sender=NewsroomSettings)
def purge_on_shared_content_change(sender, raw=False, **kwargs):
    # Names, bios and the masthead appear on many pages; these edits are rare.
    if not raw:
        page_cache_purge_on_commit(tags={SITE_TAG})
