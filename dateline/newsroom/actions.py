"""Editorial state changes: publishing, scheduled publishing, what they purge, and the
readers' search table they keep current.

Wagtail's admin publishes through its own actions (wagtail.actions); the signal receivers in
signals.py route those events here, so admin, worker and code paths behave the same.
"""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.models import Page, Revision

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.pagecache import SITE_TAG

from . import search
from .models import ArticlePage, SectionPage

# What every new, changed or withdrawn article can appear in besides its own page.
ARTICLE_LIST_TAGS = frozenset({"home", "archive", "feed", "sitemap"})


def article_publish(*, article: ArticlePage, by=None) -> Revision:
    """Save the article's current state as a revision and publish it (or schedule it)."""
    revision = article.save_revision(user=by, log_action=True)
    revision.publish(user=by)
    return revision


def article_list_tags(*, article: ArticlePage) -> set[str]:
    """The cache tags of every list the article appears in, as stored in the database."""
    tags = set(ARTICLE_LIST_TAGS)
    tags.update(
        f"section:{pk}"
        for pk in Page.objects.ancestor_of(article).type(SectionPage).values_list("pk", flat=True)
    )
    if article.pk:
        tags.update(
            f"topic:{pk}"
            for pk in ArticlePage.topics.through.objects.filter(
                articlepage_id=article.pk
            ).values_list("topic_id", flat=True)
        )
        tags.update(
            f"author:{pk}"
            for pk in article.bylines.filter(author__isnull=False).values_list(
                "author_id", flat=True
            )
        )
    return tags


def page_changed_purge(*, page: Page, previous_tags: Iterable[str] = ()) -> None:
    """Purge the page and everything that lists it, as it was before and as it is now."""
    specific = page.specific
    if isinstance(specific, ArticlePage):
        tags = {f"page:{page.pk}", *article_list_tags(article=specific), *previous_tags}
    else:
        # Section names, the front page and the navigation appear on every page.
        tags = {SITE_TAG}
    page_cache_purge_on_commit(tags=tags)


SEARCH_CHUNK = 500


def article_search_refresh(*, article_ids: Iterable[int]) -> int:
    """Make readers' search hold exactly the live, public ones of these articles, as they
    are now; returns how many it holds. Nothing to do on SQLite (Wagtail's index serves)."""
    if not search.available():
        return 0
    ids = sorted(set(article_ids))
    held = 0
    for start in range(0, len(ids), SEARCH_CHUNK):
        chunk = ids[start : start + SEARCH_CHUNK]
        articles = (
            ArticlePage.objects.published()
            .filter(pk__in=chunk)
            .prefetch_related("topics__aliases", "bylines__author")
        )
        rows = [
            {
                "id": article.pk,
                "published_at": article.first_published_at,
                "headline": article.title,
                "standfirst": f"{article.standfirst} {article.topic_terms()}",
                "body": f"{article.body_text} {article.byline_names()}",
            }
            for article in articles
        ]
        with transaction.atomic():
            search.rows_delete(chunk)
            search.rows_write(rows)
        held += len(rows)
    return held


def article_search_refresh_later(*, article_ids: Iterable[int]) -> None:
    """Queue `article_search_refresh` for the worker after the commit: for changes that
    touch many articles at once (a topic renamed, a section made private)."""
    from .tasks import refresh_article_search

    if not search.available():
        return
    ids = sorted(set(article_ids))
    if ids:
        transaction.on_commit(lambda: refresh_article_search.enqueue(article_ids=ids))


def publication_schedule(*, at: datetime) -> None:
    """Have the worker publish or withdraw what is due at `at`, without any cron."""
    from .tasks import publish_scheduled_pages

    transaction.on_commit(lambda: publish_scheduled_pages.using(run_after=at).enqueue())


def scheduled_pages_publish() -> int:
    """Publish revisions whose go-live time has come and withdraw expired pages.

    Each page is handled in its own transaction with its row locked (skipped if another
    worker holds it), so two workers never publish the same revision twice.
    """
    now = timezone.now()  # Wagtail's publish compares go-live times with the real clock too.
    done = 0
    for page_id in Page.objects.filter(live=True, expire_at__lte=now).values_list("pk", flat=True):
        with transaction.atomic():
            page = (
                Page.objects.select_for_update(skip_locked=True)
                .filter(pk=page_id, live=True, expire_at__lte=now)
                .first()
            )
            if page is not None:
                page.specific.unpublish(set_expired=True, log_action="wagtail.unpublish.scheduled")
                done += 1
    due = Revision.objects.filter(approved_go_live_at__lte=now).order_by("approved_go_live_at")
    for revision_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            revision = (
                Revision.objects.select_for_update(skip_locked=True)
                .filter(pk=revision_id, approved_go_live_at__lte=now)
                .first()
            )
            if revision is not None:
                revision.publish(log_action="wagtail.publish.scheduled")
                done += 1
    return done
