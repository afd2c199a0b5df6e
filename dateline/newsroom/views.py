import calendar
from datetime import datetime

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from dateline.core.pagecache import cache_tags, tag_response

from . import design, feeds
from .models import COMMENT_COUNTS_TAG, ArticlePage, Author, NewsroomSettings, Topic, TopicAlias
from .selectors import article_listing, article_search
from .sitemaps import NewsSitemap

PER_PAGE = 20


def listing(request, articles):
    return article_listing(request, articles.for_listing(), per_page=PER_PAGE)


def resolve_topic(slug: str) -> tuple[Topic, bool]:
    """The topic a slug names, and whether the slug was an alias of it."""
    topic = Topic.objects.filter(slug=slug).first()
    if topic is not None:
        return topic, False
    alias = get_object_or_404(TopicAlias.objects.select_related("topic"), slug=slug)
    return alias.topic, True


@require_GET
def topic_detail(request, slug: str):
    topic, via_alias = resolve_topic(slug)
    if via_alias:
        return redirect(topic, permanent=True)
    articles = listing(request, ArticlePage.objects.published().with_topic(topic))
    response = render(request, "newsroom/topic.html", {"topic": topic, "articles": articles})
    return tag_response(response, tags={f"topic:{topic.pk}", COMMENT_COUNTS_TAG})


@require_GET
def topic_feed(request, slug: str, fmt: str = "rss"):
    topic, via_alias = resolve_topic(slug)
    if via_alias:
        return redirect("newsroom:topic_feed_" + fmt, slug=topic.slug, permanent=True)
    response = feeds.TopicFeed(feeds.FEED_TYPES[fmt])(request, topic=topic)
    return tag_response(response, tags={f"topic:{topic.pk}"})


@require_GET
def author_detail(request, slug: str):
    author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
    articles = listing(request, ArticlePage.objects.published().by_author(author))
    response = render(request, "newsroom/author.html", {"author": author, "articles": articles})
    return tag_response(response, tags={f"author:{author.pk}", COMMENT_COUNTS_TAG})


@require_GET
@cache_tags("archive")
def archive_index(request):
    months = ArticlePage.objects.live().public().dates("first_published_at", "month", order="DESC")
    return render(request, "newsroom/archive_index.html", {"months": months})


@require_GET
@cache_tags("archive", COMMENT_COUNTS_TAG)
def archive_period(request, year: int, month: int | None = None, day: int | None = None):
    start, end, label = archive_bounds(year, month, day)
    articles = listing(request, ArticlePage.objects.published().published_between(start, end))
    return render(request, "newsroom/archive_period.html", {"articles": articles, "label": label})


def archive_bounds(year: int, month: int | None, day: int | None):
    tz = timezone.get_current_timezone()
    try:
        if day is not None:
            start = datetime(year, month, day, tzinfo=tz)
            return start, start + timezone.timedelta(days=1), f"{start:%-d %B %Y}"
        if month is not None:
            start = datetime(year, month, 1, tzinfo=tz)
            days = calendar.monthrange(year, month)[1]
            return start, start + timezone.timedelta(days=days), f"{start:%B %Y}"
        start = datetime(year, 1, 1, tzinfo=tz)
        return start, datetime(year + 1, 1, 1, tzinfo=tz), str(year)
    except (ValueError, OverflowError) as exc:
        raise Http404("No such date.") from exc


MAX_QUERY_LENGTH = 200


@require_GET
def search(request):
    """Not page-cached: on SQLite, Wagtail's index is updated by the worker after a publish
    purges; readers' search on PostgreSQL is written with the publish (search.py)."""
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    newest = request.GET.get("sort") == "newest"
    articles = None
    if query:
        results = article_search(query, newest_first=newest)
        articles = article_listing(request, results, per_page=PER_PAGE)
    context = {"query": query, "articles": articles, "newest": newest}
    return render(request, "newsroom/search.html", context)


@require_GET
def site_feed(request, fmt: str = "rss"):
    response = feeds.SiteFeed(feeds.FEED_TYPES[fmt])(request)
    return tag_response(response, tags={"feed"})


@require_GET
@cache_tags("sitemap")
@require_GET
def theme_css(request):
    """The custom properties of an accent colour and type, named by the address alone (the
    pages link the one their settings choose), so any cache may keep it for good."""
    accent = design.normalise_colour(request.GET.get("accent", ""))
    typeface = request.GET.get("type", "")
    if accent is None or typeface not in design.FONT_STACKS:
        raise Http404("No such theme.")
    response = HttpResponse(
        design.theme_css(accent=accent, typeface=typeface), content_type="text/css; charset=utf-8"
    )
    patch_cache_control(response, public=True, max_age=365 * 24 * 3600, immutable=True)
    return response


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
        f"Sitemap: {settings.SITE_URL}/news-sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_GET
@cache_tags("sitemap")
def news_sitemap(request):
    """The Google News sitemap: Django's sitemap view with the publisher's name added."""
    response = sitemap_views.sitemap(
        request, sitemaps={"news": NewsSitemap}, template_name="newsroom/news_sitemap.xml"
    )
    response.context_data["newsroom"] = NewsroomSettings.for_request(request)
    return response
