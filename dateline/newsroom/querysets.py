from django.db.models import Case, F, Prefetch, Q, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber, Substr
from wagtail.models import PageQuerySet

from .search import words_of

LISTING_RENDITION = "fill-640x360"
SUMMARY_SOURCE_CHARS = 2000


class ArticlePageQuerySet(PageQuerySet):
    def published(self):
        """Live, public articles, newest first."""
        return self.live().public().order_by("-first_published_at", "-pk")

    def in_section(self, section):
        """Articles filed in `section` or any of its subsections."""
        return self.descendant_of(section)

    def with_topic(self, topic):
        """Articles tagged with `topic`."""
        return self.filter(topics=topic)

    def by_author(self, author):
        """Articles carrying a byline of `author`."""
        return self.filter(pk__in=author.bylines.values("page_id"))

    def published_between(self, start, end):
        """Articles first published in [start, end)."""
        return self.filter(first_published_at__gte=start, first_published_at__lt=end)

    def matching(self, query: str, *, newest_first: bool = False):
        """Full-text search in Wagtail's index for the words of `query`, best match (or
        newest) first. Readers' search on PostgreSQL reads its own table: see search.py."""
        words = words_of(query)
        if not words:
            return self.none()
        if newest_first:
            return self.order_by("-first_published_at").search(words, order_by_relevance=False)
        return self.search(words, order_by_relevance=True)

    def for_listing(self):
        """What a teaser shows: bylines, lead image and rendition, comment count."""
        from .models import ArticleByline, NewsImage

        # A teaser needs at most the start of a body, and only when there is no standfirst:
        # a whole body is read from the database's out-of-line storage for nothing.
        body_start = Case(
            When(standfirst="", then=Substr("body", 1, SUMMARY_SOURCE_CHARS)), default=Value("")
        )
        listed = self.defer("body").annotate(body_start=body_start)
        return listed.select_related("lead_image", "comment_thread").prefetch_related(
            Prefetch("bylines", queryset=ArticleByline.objects.select_related("author")),
            Prefetch(
                "lead_image", queryset=NewsImage.objects.prefetch_renditions(LISTING_RENDITION)
            ),
        )

    def latest_per_branch(self, *, depth: int, per_branch: int):
        """The newest `per_branch` articles under each page at tree `depth` (one query)."""
        prefix_length = depth * self.model.steplen
        return self.annotate(
            branch_path=Substr("path", 1, prefix_length),
            branch_rank=Window(
                RowNumber(),
                partition_by=[Substr("path", 1, prefix_length)],
                order_by=[F("first_published_at").desc(), F("pk").desc()],
            ),
        ).filter(Q(branch_rank__lte=per_branch), Q(depth__gt=depth))
