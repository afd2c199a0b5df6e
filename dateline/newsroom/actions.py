"""Editorial state changes: publishing, scheduled publishing, what they purge, and the
readers' search table they keep current.

Wagtail's admin publishes through its own actions (wagtail.actions); the signal receivers in
signals.py route those events here, so admin, worker and code paths behave the same.
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.coreutils import cautious_slugify
from wagtail.models import Page, Revision
from wagtail.search import index

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.pagecache import SITE_TAG

from . import search
from .models import (
    ArticlePage,
    Author,
    FooterMenuItem,
    HeaderMenuItem,
    SectionPage,
    Source,
    Topic,
    TopicAlias,
)

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
    if isinstance(specific, ArticlePage) and not _in_a_menu(page=page):
        tags = {f"page:{page.pk}", *article_list_tags(article=specific), *previous_tags}
    else:
        # Section names, the front page, the navigation and the menus appear on every page.
        tags = {SITE_TAG}
    page_cache_purge_on_commit(tags=tags)


def _in_a_menu(*, page: Page) -> bool:
    # A menu shows the page's title and address on every page.
    return (
        HeaderMenuItem.objects.filter(link_page_id=page.pk).exists()
        or FooterMenuItem.objects.filter(link_page_id=page.pk).exists()
    )


def menus_changed_purge() -> None:
    """A menu item added, changed or removed (a settings save, or its page deleted): every
    page shows the menus."""
    page_cache_purge_on_commit(tags={SITE_TAG})


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


def article_index_refresh(*, article_ids: Iterable[int]) -> int:
    """Index these articles again in Wagtail's search index (the admin's page search, and
    readers' search on SQLite) with the names they carry from elsewhere: their authors',
    topics' and sources'. Returns how many it indexed."""
    articles = ArticlePage.objects.filter(pk__in=sorted(set(article_ids)))
    for article in articles:
        index.insert_or_update_object(article)
    return len(articles)


def article_index_refresh_later(*, article_ids: Iterable[int]) -> None:
    """Queue `article_index_refresh` for the worker after the commit (an author, a topic or
    a source renamed: each of their articles is indexed again)."""
    from .tasks import refresh_article_index

    ids = sorted(set(article_ids))
    if ids:
        transaction.on_commit(lambda: refresh_article_index.enqueue(article_ids=ids))


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


def _slug_of(name: str) -> str:
    # Non-Latin names keep an ASCII slug (a Topic or Author slug is a plain SlugField).
    return cautious_slugify(name)[:100].strip("-")


@transaction.atomic
def topic_create(*, name: str) -> Topic:
    """A new topic of this name, its slug made from the name; a ValidationError (on "name")
    if the name or slug is already a topic's or an alias's, which the editor should choose."""
    name = " ".join(name.split())
    slug = _slug_of(name)
    if not slug:
        raise ValidationError({"name": f"“{name}” needs a letter or a digit to make an address."})
    taken = Topic.objects.filter(Q(name__iexact=name) | Q(slug=slug)).first()
    if taken is not None:
        raise ValidationError({"name": f"“{name}” is the topic “{taken.name}” already."})
    alias = TopicAlias.objects.select_related("topic").filter(slug=slug).first()
    if alias is not None:
        raise ValidationError(
            {"name": f"“{name}” is an alias of the topic “{alias.topic.name}” already."}
        )
    topic = Topic(name=name, slug=slug)
    topic.full_clean()
    topic.save()
    return topic


def _free_author_slug(name: str) -> str:
    base = _slug_of(name)[:110] or "author"
    taken = set(Author.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


@transaction.atomic
def author_create(*, name: str, role: str = "", slug: str = "") -> Author:
    """A new author profile; without a slug, one made from the name (numbered if taken)."""
    author = Author(name=name.strip(), role=role.strip(), slug=slug or _free_author_slug(name))
    author.full_clean()
    author.save()
    return author


@transaction.atomic
def source_create(*, name: str, kind: str, url: str = "", description: str = "") -> Source:
    """A new source; a ValidationError if it breaks a rule (one name per kind, no link for
    an anonymous source)."""
    source = Source(name=name.strip(), kind=kind, url=url, description=description)
    source.full_clean()
    source.save()
    return source
