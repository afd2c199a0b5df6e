"""Editorial state changes: publishing, scheduled publishing, and what each editorial event
purges, indexes again and schedules, including the readers' search table.

Wagtail's admin publishes through its own actions (wagtail.actions); signals.py routes each of
their signals, and the model signals, to one function here (`article_published`,
`article_withdrawn`, `page_moved`, ...), which does its steps in order, queuing work after
the commit. So admin, worker and code paths behave the same. `article_published` then sends
`events.article_published` for the apps above the newsroom (the newsletter's alerts).
"""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.coreutils import cautious_slugify
from wagtail.models import Page, PageViewRestriction, Revision
from wagtail.search import index

from dateline.core.actions import page_cache_purge_on_commit
from dateline.core.pagecache import SITE_TAG

# A module, not its tasks: dateline.newsroom.tasks imports these actions.
from . import events, search, selectors, tasks
from .models import ArticlePage, Author, NewsImage, Source, Topic, TopicAlias


def article_publish(*, article: ArticlePage, by=None) -> Revision:
    """Save the article's current state as a revision and publish it (or schedule it)."""
    revision = article.save_revision(user=by, log_action=True)
    revision.publish(user=by)
    return revision


# Editorial events, routed here by signals.py ----------------------------------------------

# The lists an article was in before the save that publishes it, kept on the instance that
# Wagtail then sends with page_published (see `article_saving`).
LISTED_BEFORE = "_previous_list_tags"


def article_saving(*, article: ArticlePage) -> None:
    """Before a live article is saved whole (as Wagtail's publish does): keep on it the lists
    it is in as the database still says, so that `article_published` purges the lists it
    leaves (a topic or a byline removed) as well as those it joins."""
    if article.pk and article.live:
        setattr(article, LISTED_BEFORE, selectors.article_list_tags(article=article))


def article_published(*, article: ArticlePage) -> None:
    """Wagtail published an article (now, at its go-live time, again after an edit) or
    scheduled its first publication: purge its page and its lists, then and now; refresh
    its row in readers' search; have the worker withdraw it when it expires; tell the apps
    above (events.article_published)."""
    _article_purge(article=article)
    article_search_refresh(article_ids=[article.pk])
    if article.expire_at:
        publication_schedule(at=article.expire_at)
    events.article_published.send(sender=ArticlePage, article=article)


def article_withdrawn(*, article: ArticlePage) -> None:
    """Wagtail unpublished an article (an editor, or the worker at its expiry): it leaves its
    page, every list and readers' search at once."""
    _article_purge(article=article)
    article_search_refresh(article_ids=[article.pk])


def _article_purge(*, article: ArticlePage) -> None:
    if selectors.page_in_a_menu(page=article):
        tags = {SITE_TAG}  # a menu shows the page's title and address on every page
    else:
        previous = getattr(article, LISTED_BEFORE, ())
        tags = {f"page:{article.pk}", *selectors.article_list_tags(article=article), *previous}
    page_cache_purge_on_commit(tags=tags)


def page_published(*, page: Page) -> None:
    """Wagtail published a page that is not an article (a section, the front page): section
    names, the front page, the navigation and the menus appear on every page. Have the
    worker withdraw it when it expires."""
    page_cache_purge_on_commit(tags={SITE_TAG})
    if page.expire_at:
        publication_schedule(at=page.expire_at)


def page_withdrawn(*, page: Page) -> None:
    """Wagtail unpublished a page that is not an article: every page may show it."""
    page_cache_purge_on_commit(tags={SITE_TAG})


def page_moved(*, page: Page) -> None:
    """A page moved in the tree: every address under it and the navigation change, and its
    articles may have moved into or out of a private section (the worker indexes them)."""
    page_cache_purge_on_commit(tags={SITE_TAG})
    article_search_refresh_later(article_ids=selectors.article_ids_under(page))


def revision_saved(*, revision: Revision) -> None:
    """A revision approved to go live at a time: have the worker publish it then."""
    if revision.approved_go_live_at:
        publication_schedule(at=revision.approved_go_live_at)


def page_restriction_saved(*, restriction: PageViewRestriction) -> None:
    """A section or article made private (or its restriction changed): who may see it changes
    what the navigation, lists and pages show, and its articles leave readers' search at
    once (restricted articles are only deleted, which is quick)."""
    page_cache_purge_on_commit(tags={SITE_TAG})
    article_search_refresh(article_ids=selectors.article_ids_under(restriction.page))


def page_restriction_deleted(*, restriction: PageViewRestriction) -> None:
    """A section or article public again: every page may show it; indexing a whole section
    again is the worker's job."""
    page_cache_purge_on_commit(tags={SITE_TAG})
    article_search_refresh_later(article_ids=selectors.article_ids_under(restriction.page))


def site_changed() -> None:
    """A site added, changed or deleted: every address, and the site lookup itself
    (dateline.core.sites), depend on it. (Site settings purge themselves:
    dateline.core.site_settings.)"""
    page_cache_purge_on_commit(tags={SITE_TAG})


def menus_changed() -> None:
    """A menu item added, changed or removed (a settings save, or its page deleted): every
    page shows the menus."""
    page_cache_purge_on_commit(tags={SITE_TAG})


def image_saved(*, image: NewsImage) -> None:
    """An image saved: if it is the logo, every article's JSON-LD names its file
    (publisher.logo), kept under the site tag."""
    if selectors.image_is_logo(image):
        page_cache_purge_on_commit(tags={SITE_TAG})


# Names and bios appear on many pages (these edits are rare), and are words of their articles
# in readers' search (topics' names and aliases, bylines) and in Wagtail's index (the admin's
# page search), which a new name has no articles in yet.


def topic_saved(*, topic: Topic, created: bool) -> None:
    """A topic added or changed: purge every page; its articles are indexed again."""
    page_cache_purge_on_commit(tags={SITE_TAG})
    article_search_refresh_later(article_ids=selectors.article_ids_carrying(topic))
    if not created:
        article_index_refresh_later(article_ids=selectors.article_ids_carrying(topic))


def topic_deleting(*, topic: Topic) -> None:
    """Before a topic is deleted, while its articles still carry it: they are indexed
    again after the commit."""
    article_search_refresh_later(article_ids=selectors.article_ids_carrying(topic))
    article_index_refresh_later(article_ids=selectors.article_ids_carrying(topic))


def author_saved(*, author: Author, created: bool) -> None:
    """An author added or changed: purge every page; their articles are indexed again."""
    page_cache_purge_on_commit(tags={SITE_TAG})
    article_search_refresh_later(article_ids=selectors.article_ids_carrying(author))
    if not created:
        article_index_refresh_later(article_ids=selectors.article_ids_carrying(author))


def author_deleting(*, author: Author) -> None:
    """Before an author is deleted (only one without bylines can be: they are protected)."""
    article_search_refresh_later(article_ids=selectors.article_ids_carrying(author))


def source_saved(*, source: Source, created: bool) -> None:
    """A source added or changed: purge every page; the articles citing it are indexed again
    in Wagtail's index (readers' search holds no source names)."""
    page_cache_purge_on_commit(tags={SITE_TAG})
    if not created:
        article_index_refresh_later(article_ids=selectors.article_ids_carrying(source))


# Search and scheduling --------------------------------------------------------------------

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
    if not search.available():
        return
    ids = sorted(set(article_ids))
    if ids:
        transaction.on_commit(lambda: tasks.refresh_article_search.enqueue(article_ids=ids))


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
    ids = sorted(set(article_ids))
    if ids:
        transaction.on_commit(lambda: tasks.refresh_article_index.enqueue(article_ids=ids))


def publication_schedule(*, at: datetime) -> None:
    """Have the worker publish or withdraw what is due at `at`, without any cron."""
    transaction.on_commit(lambda: tasks.publish_scheduled_pages.using(run_after=at).enqueue())


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
