"""RSS 2.0, Atom and JSON Feed for the site, each section and each topic."""

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, SyndicationFeed, rfc3339_date

from dateline.core.links import absolute_url

from .bylines import byline_text
from .models import ArticlePage, NewsroomSettings
from .selectors import attach_sections

FEED_LENGTH = 50


@dataclass(frozen=True)
class FeedAuthor:
    name: str
    url: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, **({"url": self.url} if self.url else {})}


class JSONFeed(SyndicationFeed):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

    content_type = "application/feed+json; charset=utf-8"

    def write(self, outfile, encoding):
        feed = {
            "version": "https://jsonfeed.org/version/1.1",
            "title": self.feed["title"],
            "home_page_url": self.feed["link"],
            "feed_url": self.feed["feed_url"],
            "description": self.feed["description"],
            "language": self.feed["language"],
        }
        if self.feed.get("author_name"):  # items without authors of their own have these
            author = FeedAuthor(self.feed["author_name"], self.feed.get("author_link"))
            feed["authors"] = [author.as_dict()]
        feed["items"] = [self.item(item) for item in self.items]
        outfile.write(json.dumps(feed, ensure_ascii=False, indent=1))

    @staticmethod
    def item(item) -> dict:
        entry = {
            "id": item["unique_id"],
            "url": item["link"],
            "title": item["title"],
            "summary": item.get("summary_text") or item["description"],
        }
        if item.get("content_html"):
            entry["content_html"] = item["content_html"]
        else:
            entry["content_text"] = item["description"]
        entry["date_published"] = rfc3339_date(item["pubdate"])
        if item.get("updateddate"):
            entry["date_modified"] = rfc3339_date(item["updateddate"])
        entry["tags"] = list(item["categories"])
        if item.get("authors"):
            entry["authors"] = [byline.as_dict() for byline in item["authors"]]
        if item.get("image"):
            entry["image"] = item["image"]
        return entry


class AtomFeed(Atom1Feed):
    """Atom 1.0 with an <author> for each byline (Django's writes one for them all), staff
    bylines with their author page. Entries without a byline have the feed's author: the
    newsroom (Atom wants one or the other)."""

    def add_item_elements(self, handler, item):
        bylines = item.get("authors") or ()
        super().add_item_elements(handler, {**item, "author_name": None} if bylines else item)
        for byline in bylines:
            handler.startElement("author", {})
            handler.addQuickElement("name", byline.name)
            if byline.url:
                handler.addQuickElement("uri", byline.url)
            handler.endElement("author")


FEED_TYPES = {"rss": Rss201rev2Feed, "atom": AtomFeed, "json": JSONFeed}


class ArticleFeed(Feed):
    """The newest articles; subclasses narrow them to a section or a topic."""

    def __init__(self, feed_type=Rss201rev2Feed):
        self.feed_type = feed_type

    def get_object(self, request, **kwargs):
        # Django's Feed hands obj to every hook: the newsroom settings travel with it.
        return {"newsroom": NewsroomSettings.for_request(request), **kwargs}

    def title(self, obj) -> str:
        return obj["newsroom"].name

    def description(self, obj) -> str:
        return obj["newsroom"].tagline or self.title(obj)

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed["language"] = obj["newsroom"].language
        return feed

    def link(self, obj) -> str:
        return absolute_url("/")

    def author_name(self, obj) -> str:
        return obj["newsroom"].name

    def author_link(self, obj) -> str:
        return absolute_url("/")

    def articles(self, obj):
        return ArticlePage.objects.published()

    def items(self, obj):
        articles = self.articles(obj).for_listing().prefetch_related("topics", "corrections")
        return attach_sections(articles[:FEED_LENGTH])

    def item_title(self, item: ArticlePage) -> str:
        return item.title

    def item_description(self, item: ArticlePage) -> str:
        notes = [
            f"{c.get_kind_display()} ({c.at:%Y-%m-%d %H:%M %Z}): {c.note}"
            for c in item.corrections.all()
        ]
        return "\n\n".join([item.summary, *notes])

    def item_link(self, item: ArticlePage) -> str:
        return absolute_url(item.get_url())

    def item_guid(self, item: ArticlePage) -> str:
        host = urlsplit(settings.SITE_URL).hostname
        return f"tag:{host},2026:article:{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: ArticlePage):
        return item.published_at

    def item_updateddate(self, item: ArticlePage):
        return item.date_modified

    def item_author_name(self, item: ArticlePage) -> str | None:
        return byline_text(item.bylines.all()) or None

    def item_categories(self, item: ArticlePage) -> list[str]:
        return [item.section.title, *(topic.name for topic in item.topics.all())]

    def item_extra_kwargs(self, item: ArticlePage) -> dict:
        return {
            "authors": [
                FeedAuthor(
                    byline.display_name,
                    absolute_url(byline.author.get_absolute_url()) if byline.author_id else None,
                )
                for byline in item.bylines.all()
            ]
        }


class SiteFeed(ArticleFeed):
    pass


class SectionFeed(ArticleFeed):
    def title(self, obj) -> str:
        return f"{obj['section'].title} | {super().title(obj)}"

    def description(self, obj) -> str:
        return obj["section"].intro or self.title(obj)

    def link(self, obj) -> str:
        return absolute_url(obj["section"].get_url())

    def articles(self, obj):
        return ArticlePage.objects.published().in_section(obj["section"])


class TopicFeed(ArticleFeed):
    def title(self, obj) -> str:
        return f"{obj['topic'].name} | {super().title(obj)}"

    def description(self, obj) -> str:
        return obj["topic"].description or self.title(obj)

    def link(self, obj) -> str:
        return absolute_url(obj["topic"].get_absolute_url())

    def articles(self, obj):
        return ArticlePage.objects.published().with_topic(obj["topic"])
