"""Feeds of published comments, the whole site's and one article's: RSS 2.0, Atom and JSON
Feed, as the newsroom's article feeds are. The newsroom is each feed's author; each comment
has its commenter's name as its author, never their address."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse

from dateline.core.links import absolute_url
from dateline.core.pagecache import tag_response
from dateline.newsroom.feeds import FEED_TYPES, FeedAuthor
from dateline.newsroom.models import ArticlePage, NewsroomSettings, plain_text

from .models import Comment

ITEMS = 50


class CommentsFeed(Feed):
    def __init__(self, fmt: str = "rss"):
        self.feed_type = FEED_TYPES[fmt]

    def __call__(self, request, *args, **kwargs):
        response = super().__call__(request, *args, **kwargs)
        return tag_response(response, tags=self.cache_tags(kwargs))

    def cache_tags(self, kwargs) -> set[str]:
        return {"comments:feed"}

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        newsroom = NewsroomSettings.for_request(request)
        feed.feed.update(
            author_name=newsroom.name, author_link=absolute_url("/"), language=newsroom.language
        )
        return feed

    def item_extra_kwargs(self, item: Comment) -> dict:
        # JSON Feed tells HTML from text; RSS and Atom carry the HTML as the description.
        return {
            "authors": [FeedAuthor(item.author_name)],
            "content_html": item.body_html,
            "summary_text": plain_text(item.body_html),
        }

    def item_title(self, item: Comment) -> str:
        return f"{item.author_name} on “{item.article.title}”"

    def item_description(self, item: Comment) -> str:
        return item.body_html

    def item_link(self, item: Comment) -> str:
        return absolute_url(f"{item.article.url}#comment-{item.pk}")

    def item_guid(self, item: Comment) -> str:
        return absolute_url(reverse("comments:detail", args=[item.pk]))

    item_guid_is_permalink = False

    def item_pubdate(self, item: Comment):
        return item.created_at

    def item_author_name(self, item: Comment) -> str:
        return item.author_name

    def published(self):
        return (
            Comment.objects.approved()
            .filter(article__in=ArticlePage.objects.live().public().values("pk"))
            .select_related("article")
            .order_by("-created_at", "-pk")
        )


class SiteCommentsFeed(CommentsFeed):
    title = "Latest comments"
    description = "Readers' latest published comments."

    def link(self) -> str:
        return absolute_url("/")

    def items(self):
        return self.published()[:ITEMS]


class ArticleCommentsFeed(CommentsFeed):
    def cache_tags(self, kwargs) -> set[str]:
        return {f"comments:{kwargs['article_id']}"}

    def get_object(self, request, article_id: int) -> ArticlePage:
        return get_object_or_404(ArticlePage.objects.live().public(), pk=article_id)

    def title(self, article: ArticlePage) -> str:
        return f"Comments on “{article.title}”"

    def description(self, article: ArticlePage) -> str:
        return f"Published comments on “{article.title}”."

    def link(self, article: ArticlePage) -> str:
        return absolute_url(f"{article.url}#comments")

    def items(self, article: ArticlePage):
        return self.published().filter(article=article)[:ITEMS]
