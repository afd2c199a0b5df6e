"""Wagtail's editorial events and the model signals, routed to newsroom actions: one receiver
per signal (and sender), each calling one action. What a publish does is read in
actions.article_published, top to bottom."""

from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from wagtail.models import PageViewRestriction, Revision, Site
from wagtail.signals import page_published, page_unpublished, post_page_move

from . import actions
from .models import (
    ArticlePage,
    Author,
    FooterMenuItem,
    HeaderMenuItem,
    NewsImage,
    Source,
    Topic,
)

# `raw`: a fixture being loaded, whose rows are as they were saved; nothing to react to.


# The one receiver before a change, because Wagtail's publish writes the article's topics and
# bylines in its save, before page_published: only until then does the database say which
# lists the article was in. (A revision cannot say: drafts come in between, and rows are also
# written outside revisions.)
@receiver(pre_save, sender=ArticlePage)
def on_article_save(sender, instance, raw=False, update_fields=None, **kwargs):
    # Saving a draft updates a few bookkeeping fields only (update_fields): no list changes.
    if not raw and update_fields is None:
        actions.article_saving(article=instance)


@receiver(page_published)
def on_page_published(sender, instance, **kwargs):
    if isinstance(instance, ArticlePage):
        actions.article_published(article=instance)
    else:
        actions.page_published(page=instance)


@receiver(page_unpublished)
def on_page_unpublished(sender, instance, **kwargs):
    if isinstance(instance, ArticlePage):
        actions.article_withdrawn(article=instance)
    else:
        actions.page_withdrawn(page=instance)


@receiver(post_page_move)
def on_page_move(sender, instance, **kwargs):
    actions.page_moved(page=instance)


@receiver(post_save, sender=Revision)
def on_revision_save(sender, instance, raw=False, **kwargs):
    if not raw:
        actions.revision_saved(revision=instance)


@receiver(post_save, sender=PageViewRestriction)
def on_restriction_save(sender, instance, raw=False, **kwargs):
    if not raw:
        actions.page_restriction_saved(restriction=instance)


@receiver(post_delete, sender=PageViewRestriction)
def on_restriction_delete(sender, instance, **kwargs):
    actions.page_restriction_deleted(restriction=instance)


@receiver(post_save, sender=Site)
@receiver(post_delete, sender=Site)
def on_site_change(sender, raw=False, **kwargs):
    if not raw:
        actions.site_changed()


@receiver(post_save, sender=Topic)
def on_topic_save(sender, instance, raw=False, created=False, **kwargs):
    if not raw:
        actions.topic_saved(topic=instance, created=created)


@receiver(pre_delete, sender=Topic)
def on_topic_delete(sender, instance, **kwargs):
    actions.topic_deleting(topic=instance)


@receiver(post_save, sender=Author)
def on_author_save(sender, instance, raw=False, created=False, **kwargs):
    if not raw:
        actions.author_saved(author=instance, created=created)


@receiver(pre_delete, sender=Author)
def on_author_delete(sender, instance, **kwargs):
    actions.author_deleting(author=instance)


@receiver(post_save, sender=Source)
def on_source_save(sender, instance, raw=False, created=False, **kwargs):
    if not raw:
        actions.source_saved(source=instance, created=created)


# Also when a deleted page takes its menu items with it, which no settings save covers.
@receiver(post_save, sender=HeaderMenuItem)
@receiver(post_save, sender=FooterMenuItem)
@receiver(post_delete, sender=HeaderMenuItem)
@receiver(post_delete, sender=FooterMenuItem)
def on_menu_change(sender, raw=False, **kwargs):
    if not raw:
        actions.menus_changed()


@receiver(post_save, sender=NewsImage)
def on_image_save(sender, instance, raw=False, **kwargs):
    if not raw:
        actions.image_saved(image=instance)
