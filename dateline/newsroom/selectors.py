"""Reads that assemble what a page shows, in a fixed number of queries."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, prefetch_related_objects
from django.db.models.functions import Lower
from django.utils import timezone
from wagtail.models import Page, Site

from dateline.core.links import absolute_url
from dateline.core.pagination import paginate
from dateline.core.sites import site_tagged

from . import search, structured_data
from .models import (
    ArticlePage,
    Author,
    FooterMenuItem,
    HeaderMenuItem,
    HomePage,
    NewsImage,
    NewsroomSettings,
    SectionPage,
    Source,
    Topic,
    TopicAlias,
)

# The lead image for sharing (Open Graph, 16:9) and the three shapes Google asks of an
# article's image (16:9, 4:3, 1:1, each well over 50,000 pixels), made in one go.
SHARE_RENDITION = "fill-1200x675"
ARTICLE_IMAGE_RENDITIONS = (SHARE_RENDITION, "fill-1200x900", "fill-1200x1200")
# A publisher logo fits 600x60 (never enlarged).
LOGO_SIZE = (600, 60)
LOGO_RENDITION = f"max-{LOGO_SIZE[0]}x{LOGO_SIZE[1]}"


def attach_sections(articles, request=None) -> list[ArticlePage]:
    """Set each article's `section` (its parent) with one query for the whole list, and the
    addresses a teaser links to: `section_url`, and `listing_url` (the section's + slug, as
    an article's address always is), so Wagtail works an address out once per section."""
    articles = list(articles)
    steplen = ArticlePage.steplen
    sections = SectionPage.objects.filter(
        path__in={article.path[:-steplen] for article in articles}
    ).in_bulk(field_name="path")
    urls = {path: section.get_url(request) for path, section in sections.items()}
    for article in articles:
        article.section = sections[article.path[:-steplen]]
        article.section_url = urls[article.path[:-steplen]]
        article.listing_url = f"{article.section_url}{article.slug}/"
    return articles


def article_listing(request, articles, *, per_page: int):
    """The `?page=N` page of `articles` (a `for_listing()` queryset or its search results)."""
    page = paginate(request, articles, per_page=per_page)
    page.object_list = attach_sections(page.object_list, request)
    return page


def article_search(query: str, *, newest_first: bool):
    """Published articles matching the words of `query`, best match or newest first, for
    `article_listing`: Wagtail's FTS5 index on SQLite, readers' own table on PostgreSQL."""
    words = search.words_of(query)
    if not words or not search.available():
        articles = ArticlePage.objects.published().for_listing()
        return articles.matching(query, newest_first=newest_first)
    # The table holds only live, public articles (a restriction deletes rows at once); live()
    # guards the moment between a withdrawal and its commit without a query of its own.
    articles = ArticlePage.objects.live().for_listing()
    return search.Results(words, newest_first=newest_first, load=articles.in_bulk)


def front_page(*, home: HomePage) -> dict:
    published = ArticlePage.objects.published().for_listing()
    picked_ids = list(home.top_stories.values_list("article_id", flat=True))
    if picked_ids:
        found = published.filter(pk__in=picked_ids).in_bulk()
        top_stories = [found[pk] for pk in picked_ids if pk in found]
    else:
        top_stories = list(published.descendant_of(home)[: home.top_stories_count])

    sections = list(SectionPage.objects.live().public().child_of(home).order_by("path"))
    latest = defaultdict(list)
    shown = {article.pk for article in top_stories}
    for article in published.descendant_of(home).latest_per_branch(
        depth=home.depth + 1, per_branch=home.latest_per_section + len(shown)
    ):
        if article.pk not in shown and len(latest[article.branch_path]) < home.latest_per_section:
            latest[article.branch_path].append(article)
    attach_sections([*top_stories, *(a for group in latest.values() for a in group)])
    return {
        "top_stories": top_stories,
        "section_blocks": [
            (section, latest[section.path]) for section in sections if latest[section.path]
        ],
    }


def article_page(*, article: ArticlePage, request) -> dict:
    newsroom = NewsroomSettings.for_request(request)
    # date_modified, the page and the JSON-LD all read these: fetch them once. A new page's
    # preview is of a page not saved yet, whose relations are in memory.
    if article.pk is not None:
        prefetch_related_objects([article], "corrections", "topics")
    images = (
        article.lead_image.get_renditions(*ARTICLE_IMAGE_RENDITIONS) if article.lead_image else {}
    )
    context = {
        "section": article.section,
        "bylines": list(article.bylines.select_related("author")),
        "citations": list(article.citations.select_related("source")),
        "corrections": [c for c in article.corrections.all() if c.at <= timezone.now()],
        "topics": list(article.topics.all()),
        "share_image": images.get(SHARE_RENDITION),
    }
    context["json_ld"] = structured_data.news_article(
        article=article,
        newsroom=newsroom,
        image_urls=[images[spec].url for spec in ARTICLE_IMAGE_RENDITIONS if spec in images],
        logo=publisher_logo(newsroom),
        **{key: context[key] for key in ("section", "bylines", "citations", "topics")},
    )
    return context


@dataclass(frozen=True)
class Logo:
    url: str
    width: int
    height: int


def publisher_logo(newsroom: NewsroomSettings) -> Logo | None:
    """The newsroom's logo as publishers' logos are shown (LOGO_RENDITION), or None; kept
    under the site tag, which saving the settings or the logo's image purges."""
    if not newsroom.logo_id:
        return None

    def load() -> Logo:
        image = newsroom.logo  # read with the settings
        if image.width <= LOGO_SIZE[0] and image.height <= LOGO_SIZE[1]:
            return Logo(absolute_url(image.file.url), image.width, image.height)
        rendition = image.get_rendition(LOGO_RENDITION)
        return Logo(absolute_url(rendition.url), rendition.width, rendition.height)

    return site_tagged.get(f"newsroom:logo:{newsroom.logo_id}", load)


# Twice the 240x60 the admin shows at most, for sharp screens.
ADMIN_LOGO_RENDITION = "max-480x120"


def admin_logo(newsroom: NewsroomSettings) -> Logo | None:
    """The newsroom's logo for the admin's sign-in page and sidebar, on this site's own
    address (the admin loads nothing from elsewhere), or None; kept under the site tag."""
    if not newsroom.logo_id:
        return None

    def load() -> Logo | None:
        if (image := newsroom.logo) is None:
            return None
        rendition = image.get_rendition(ADMIN_LOGO_RENDITION)
        return Logo(rendition.url, rendition.width, rendition.height)

    return site_tagged.get(f"newsroom:admin-logo:{newsroom.logo_id}", load)


@dataclass(frozen=True)
class NavSection:
    """A link of the masthead or footer: `path` is its page's place in the tree, which marks
    the current section ("" for an address, or the front page)."""

    title: str
    url: str
    path: str


def nav_sections(site: Site, request) -> list[NavSection]:
    """The site's top-level sections shown in menus, kept under the site tag until it is
    purged (every change to sections purges it), as the pages that show them are."""

    def load() -> list[NavSection]:
        return [
            NavSection(section.title, section.get_url(request), section.path)
            for section in SectionPage.objects.live()
            .public()
            .in_menu()
            .filter(path__startswith=site.root_page.path, depth=site.root_page.depth + 1)
            .order_by("path")
        ]

    return site_tagged.get(f"newsroom:nav:{site.pk}", load)


@dataclass(frozen=True)
class Menus:
    header: list[NavSection]
    footer: list[NavSection]


def menu_links(items, request) -> list[NavSection]:
    """The links of these menu items, in their order, that lead where readers may go: a
    live, public page, or an address."""
    items = list(items)
    page_ids = {item.link_page_id for item in items if item.link_page_id}
    pages = Page.objects.live().public().in_bulk(page_ids) if page_ids else {}
    links = []
    for item in items:
        if not item.link_page_id:
            links.append(NavSection(item.label, item.link_url.strip(), ""))
        elif (page := pages.get(item.link_page_id)) is not None:
            path = "" if page.depth <= 2 else page.path  # the front page is never "current"
            links.append(NavSection(item.label or page.title, page.get_url(request), path))
    return links


def site_menus(*, newsroom: NewsroomSettings, request) -> Menus:
    """The newsroom's header and footer menus; kept under the site tag (a settings save or
    a change to a page purges it), except in a preview, which shows them unsaved."""

    def load() -> Menus:
        return Menus(
            header=menu_links(newsroom.header_menu_items.all(), request),
            footer=menu_links(newsroom.footer_menu_items.all(), request),
        )

    if getattr(request, "is_preview", False) or newsroom.pk is None:
        return load()
    return site_tagged.get(f"newsroom:menus:{newsroom.site_id}", load)


def header_links(*, site: Site, newsroom: NewsroomSettings, request) -> list[NavSection]:
    """The masthead's links: the header menu if it has any, else the sections in menus."""
    return site_menus(newsroom=newsroom, request=request).header or nav_sections(site, request)


def design_preview_page(*, site: Site, mode: str) -> Page:
    """The page a preview of the newsroom's settings shows: the front page, or the latest
    article ("article" mode; the front page while there is none)."""
    home = site.root_page.specific
    if mode == "article":
        article = (
            ArticlePage.objects.live()
            .public()
            .descendant_of(home)
            .order_by("-first_published_at")
            .first()
        )
        if article is not None:
            return article
    return home


TOPIC_SUGGESTIONS = 10


def topic_suggestions(term: str) -> list[str]:
    """Names of the topics whose name or alias contains `term`, for the editor's type-ahead."""
    term = term.strip()
    if not term:
        return []
    topics = Topic.objects.filter(Q(name__icontains=term) | Q(aliases__name__icontains=term))
    return list(
        topics.order_by("name").values_list("name", flat=True).distinct()[:TOPIC_SUGGESTIONS]
    )


def topics_named(names: Iterable[str]) -> dict[str, Topic]:
    """The topics these names (or aliases) are, by each name in lower case; unknown names
    are left out."""
    wanted = {name.lower() for name in names}
    found = {
        topic.lower_name: topic
        for topic in Topic.objects.annotate(lower_name=Lower("name")).filter(lower_name__in=wanted)
    }
    aliases = (
        TopicAlias.objects.annotate(lower_name=Lower("name"))
        .filter(lower_name__in=wanted - found.keys())
        .select_related("topic")
    )
    found.update({alias.lower_name: alias.topic for alias in aliases})
    return found


# What an editorial change touches: the lists to purge, the articles to index again.

# What every new, changed or withdrawn article can appear in besides its own page.
ARTICLE_LIST_TAGS = frozenset({"home", "archive", "feed", "sitemap"})


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


def page_in_a_menu(*, page: Page) -> bool:
    """Whether a header or footer menu links to the page (menus show on every page)."""
    return (
        HeaderMenuItem.objects.filter(link_page_id=page.pk).exists()
        or FooterMenuItem.objects.filter(link_page_id=page.pk).exists()
    )


def image_is_logo(image: NewsImage) -> bool:
    """Whether the image is a site's logo (named in every article's JSON-LD)."""
    return NewsroomSettings.objects.filter(logo=image).exists()


def article_ids_under(page: Page):
    """The ids of the articles at or under `page` (a lazy query: SQLite never runs it)."""
    return ArticlePage.objects.descendant_of(page, inclusive=True).values_list("pk", flat=True)


# How articles carry each shared name: a byline's author, a topic, a source cited.
ARTICLES_CARRYING = {Author: "bylines__author", Topic: "topics", Source: "citations__source"}


def article_ids_carrying(name: Author | Topic | Source):
    """The ids of the articles that carry this author, topic or source (a lazy query)."""
    lookup = ARTICLES_CARRYING[type(name)]
    return ArticlePage.objects.filter(**{lookup: name}).values_list("pk", flat=True)
