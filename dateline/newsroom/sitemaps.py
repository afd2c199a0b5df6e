"""sitemap.xml (pages, topics, authors) and the Google News sitemap."""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.utils import timezone

from .models import ArticlePage, Author, HomePage, SectionPage, Topic


class CanonicalSitemap(Sitemap):
    """Locations on SITE_URL, whatever host the request came in on."""

    limit = 5000

    @property
    def protocol(self):
        return urlsplit(settings.SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class ArticleSitemap(CanonicalSitemap):
    def items(self):
        return ArticlePage.objects.published().prefetch_related("corrections")

    def location(self, item):
        return item.get_url()

    def lastmod(self, item):
        # Any republish counts for crawlers, not only the changes readers are told about.
        return max(item.date_modified, item.last_published_at)


class SectionSitemap(CanonicalSitemap):
    changefreq = "hourly"

    def items(self):
        return [*HomePage.objects.live().public(), *SectionPage.objects.live().public()]

    def location(self, item):
        return item.get_url()


class TopicSitemap(CanonicalSitemap):
    def items(self):
        return Topic.objects.filter(articles__live=True).distinct().order_by("name")


class AuthorSitemap(CanonicalSitemap):
    def items(self):
        return Author.objects.filter(bylines__page__live=True).distinct().order_by("name")


class NewsSitemap(ArticleSitemap):
    """Google News: articles first published in the last two days."""

    limit = 1000

    def items(self):
        since = timezone.now() - timedelta(days=2)
        return ArticlePage.objects.published().filter(first_published_at__gte=since)


SITEMAPS = {
    "sections": SectionSitemap,
    "articles": ArticleSitemap,
    "topics": TopicSitemap,
    "authors": AuthorSitemap,
}
