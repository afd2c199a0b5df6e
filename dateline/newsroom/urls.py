from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from dateline.core.pagecache import cache_tags

from . import views
from .sitemaps import SITEMAPS

app_name = "newsroom"

urlpatterns = [
    path("topics/<slug:slug>/", views.topic_detail, name="topic"),
    path("topics/<slug:slug>/feed/", views.topic_feed, {"fmt": "rss"}, name="topic_feed_rss"),
    path(
        "topics/<slug:slug>/feed/atom/", views.topic_feed, {"fmt": "atom"}, name="topic_feed_atom"
    ),
    path(
        "topics/<slug:slug>/feed/json/", views.topic_feed, {"fmt": "json"}, name="topic_feed_json"
    ),
    path("authors/<slug:slug>/", views.author_detail, name="author"),
    path("archive/", views.archive_index, name="archive"),
    path("archive/<int:year>/", views.archive_period, name="archive_year"),
    path("archive/<int:year>/<int:month>/", views.archive_period, name="archive_month"),
    path("archive/<int:year>/<int:month>/<int:day>/", views.archive_period, name="archive_day"),
    path("search/", views.search, name="search"),
    path("feed/", views.site_feed, {"fmt": "rss"}, name="feed_rss"),
    path("feed/atom/", views.site_feed, {"fmt": "atom"}, name="feed_atom"),
    path("feed/json/", views.site_feed, {"fmt": "json"}, name="feed_json"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("theme.css", views.theme_css, name="theme_css"),
    path(
        "sitemap.xml",
        cache_tags("sitemap")(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "newsroom:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_tags("sitemap")(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("news-sitemap.xml", views.news_sitemap, name="news_sitemap"),
]
