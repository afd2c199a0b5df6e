import html
import re

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import Truncator
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Orderable, Page, PageManager
from wagtail.search import index
from wagtail.url_routing import RouteResult

from dateline.core.pagecache import tag_response
from dateline.core.site_settings import CachedSiteSetting

from .querysets import ArticlePageQuerySet

# Top-level paths the site itself answers; a section may not take them as its slug.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "archive",
        "authors",
        "comments",
        "feed",
        "forms",
        "healthz",
        "media",
        "news-sitemap.xml",
        "newsletter",
        "robots.txt",
        "search",
        "sitemap.xml",
        "static",
        "topics",
    }
)
# Listings show each article's comment count: they carry this tag, and a comment published
# or withdrawn purges it.
COMMENT_COUNTS_TAG = "comment-counts"
BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote)>")


def plain_text(markup: str) -> str:
    """Rich text as plain words, paragraphs kept apart."""
    return " ".join(html.unescape(strip_tags(BLOCK_END.sub(r"\g<0> ", markup))).split())


BODY_FEATURES = [
    "h2",
    "h3",
    "bold",
    "italic",
    "link",
    "ol",
    "ul",
    "blockquote",
    "image",
    "embed",
    "hr",
]


class NewsImage(AbstractImage):
    """An image with its credit, which travels with it to every article that uses it."""

    credit = models.CharField(
        max_length=255, blank=True, help_text="Photographer and/or agency: “Jane Doe/Reuters”."
    )
    admin_form_fields = (*Image.admin_form_fields, "credit")


class NewsRendition(AbstractRendition):
    image = models.ForeignKey(NewsImage, on_delete=models.CASCADE, related_name="renditions")

    class Meta:
        unique_together = (("image", "filter_spec", "focal_point_key"),)


@register_setting(icon="site")
class NewsroomSettings(CachedSiteSetting, BaseSiteSetting):
    """Who publishes: shown in the masthead, feeds, JSON-LD and the Google News sitemap."""

    name = models.CharField(max_length=100, default="Dateline")
    tagline = models.CharField(max_length=200, blank=True)
    language = models.CharField(
        max_length=10, default="en", help_text="BCP 47 code: en, en-GB, fr."
    )
    logo = models.ForeignKey(
        NewsImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    twitter_handle = models.CharField(max_length=16, blank=True, help_text="Without the @.")

    # Kept with the settings under the site tag: every article's JSON-LD shows the logo.
    select_related = ["logo"]

    class Meta:
        verbose_name = "newsroom"


class Author(index.Indexed, models.Model):
    """A staff or contributor profile; guest bylines need none."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    role = models.CharField(max_length=120, blank=True, help_text="“Middle East correspondent”.")
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        NewsImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="author_profile",
        help_text="The editor account of this author, if any.",
    )
    website = models.URLField(blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("role"),
        FieldPanel("bio"),
        FieldPanel("photo"),
        FieldPanel("website"),
        FieldPanel("user"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:author", args=[self.slug])


class Topic(index.Indexed, ClusterableModel):
    """A subject followed across sections; its aliases lead to the same articles."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        InlinePanel(
            "aliases",
            heading="Aliases",
            label="Alias",
            help_text="Other names readers use: “ISIL”, “Islamic State”.",
        ),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug and TopicAlias.objects.filter(slug=self.slug).exclude(topic=self.pk).exists():
            raise ValidationError({"slug": "Another topic already uses this as an alias."})

    def get_absolute_url(self) -> str:
        return reverse("newsroom:topic", args=[self.slug])

    @property
    def all_names(self) -> list[str]:
        return [self.name, *(alias.name for alias in self.aliases.all())]


class TopicAlias(Orderable):
    topic = ParentalKey(Topic, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug and Topic.objects.filter(slug=self.slug).exclude(pk=self.topic_id).exists():
            raise ValidationError({"slug": "A topic already has this slug."})


class Source(index.Indexed, models.Model):
    """Where reporting comes from: reused across articles, cited per article."""

    class Kind(models.TextChoices):
        WIRE = "wire", "Wire agency"
        OUTLET = "outlet", "News outlet"
        OFFICIAL = "official", "Official or spokesperson"
        DOCUMENT = "document", "Document"
        ANONYMOUS = "anonymous", "Anonymous source"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    url = models.URLField(blank=True, help_text="Home page of the outlet, or the document.")
    description = models.TextField(
        blank=True, help_text="For anonymous sources: why anonymity was granted."
    )

    panels = [FieldPanel("name"), FieldPanel("kind"), FieldPanel("url"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "kind", name="source_unique_name_kind"),
            models.CheckConstraint(
                condition=~Q(kind="anonymous") | Q(url=""), name="source_anonymous_has_no_url"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


# The first segment of a section's own routes (feed/, feed/atom/, feed/json/).
SECTION_ROUTE = "feed"


class HomePage(Page):
    """The front page: editors' top stories, then the latest of each section."""

    top_stories_count = models.PositiveSmallIntegerField(
        default=5, help_text="How many stories lead the page when none are picked."
    )
    latest_per_section = models.PositiveSmallIntegerField(default=5)

    content_panels = [
        *Page.content_panels,
        InlinePanel("top_stories", heading="Top stories", label="Story", max_num=10),
        FieldPanel("top_stories_count"),
        FieldPanel("latest_per_section"),
    ]
    subpage_types = ["newsroom.SectionPage"]
    max_count_per_parent = 1

    def cache_tags(self) -> set[str]:
        return {"home", f"page:{self.pk}", COMMENT_COUNTS_TAG}

    def route(self, request, path_components):
        """An article's address in one query, not one per level of the tree.

        Anything else (sections and their feeds, pages not live) is routed by Wagtail.
        """
        # An article is at least a section below the home page; a section's own routes (its
        # feeds) are the section's, whatever an article is called.
        if len(path_components) >= 2 and SECTION_ROUTE not in path_components[-2:]:
            url_path = self.url_path + "/".join(path_components) + "/"
            article = ArticlePage.objects.live().filter(url_path=url_path).first()
            if article is not None:
                return RouteResult(article)
        return super().route(request, path_components)

    def serve(self, request, *args, **kwargs):
        return tag_response(super().serve(request, *args, **kwargs), tags=self.cache_tags())

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.front_page(home=self))
        return context


class HomeTopStory(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="top_stories")
    article = models.ForeignKey("newsroom.ArticlePage", on_delete=models.CASCADE, related_name="+")

    panels = [FieldPanel("article")]


class SectionPage(RoutablePageMixin, Page):
    """A section (“Middle East News”), nestable, with its landing page and feeds."""

    intro = models.TextField(blank=True)
    per_page = models.PositiveSmallIntegerField(default=20)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    settings_panels = [*Page.settings_panels, FieldPanel("per_page")]
    parent_page_types = ["newsroom.HomePage", "newsroom.SectionPage"]
    subpage_types = ["newsroom.ArticlePage", "newsroom.SectionPage"]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    def clean(self) -> None:
        super().clean()
        # The tree path is set before validation, also for a page not saved yet.
        parent_path = self.path[: -self.steplen] if self.path else None
        parent = Page.objects.filter(path=parent_path).specific().first() if parent_path else None
        at_top = parent is None or isinstance(parent, HomePage)
        if at_top and self.slug in RESERVED_SLUGS:
            raise ValidationError({"slug": f"“{self.slug}” is a path the site uses already."})

    def cache_tags(self) -> set[str]:
        return {f"page:{self.pk}", f"section:{self.pk}", COMMENT_COUNTS_TAG}

    @path("")
    def listing(self, request):
        from .selectors import article_listing

        articles = ArticlePage.objects.published().in_section(self).for_listing()
        page = article_listing(request, articles, per_page=self.per_page)
        response = self.render(request, context_overrides={"articles": page})
        return tag_response(response, tags=self.cache_tags())

    @path("feed/", name="feed_rss")
    def feed(self, request, fmt: str = "rss"):
        from . import feeds

        response = feeds.SectionFeed(feeds.FEED_TYPES[fmt])(request, section=self)
        return tag_response(response, tags=self.cache_tags())

    @path("feed/atom/", name="feed_atom")
    def feed_atom(self, request):
        return self.feed(request, fmt="atom")

    @path("feed/json/", name="feed_json")
    def feed_json(self, request):
        return self.feed(request, fmt="json")


class ArticlePage(Page):
    """A news article; its primary section is the section it is filed under."""

    standfirst = models.TextField(blank=True, help_text="One or two sentences under the headline.")
    dateline_place = models.CharField(
        "dateline", max_length=80, blank=True, help_text="Where it was reported from: “PARIS”."
    )
    body = RichTextField(features=BODY_FEATURES)
    lead_image = models.ForeignKey(
        NewsImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead_image_caption = models.CharField(max_length=400, blank=True)
    lead_image_credit = models.CharField(
        max_length=255, blank=True, help_text="Leave empty to use the image's own credit."
    )
    topics = ParentalManyToManyField(Topic, blank=True, related_name="articles")
    send_as_alert = models.BooleanField(
        "send as a breaking news alert",
        default=False,
        help_text="When published, email it at once to the breaking news subscribers (once).",
    )

    objects = PageManager.from_queryset(ArticlePageQuerySet)()

    content_panels = [
        FieldPanel("title", heading="Headline"),
        FieldPanel("standfirst"),
        InlinePanel("bylines", heading="Bylines", label="Byline"),
        FieldPanel("dateline_place"),
        MultiFieldPanel(
            [
                FieldPanel("lead_image"),
                FieldPanel("lead_image_caption"),
                FieldPanel("lead_image_credit"),
            ],
            heading="Lead image",
        ),
        FieldPanel("body"),
        InlinePanel("citations", heading="Sources", label="Citation"),
        FieldPanel("topics"),
        InlinePanel(
            "corrections",
            heading="Corrections and updates",
            label="Entry",
            help_text="Public and timestamped: what changed and why.",
        ),
        FieldPanel("send_as_alert"),
    ]
    parent_page_types = ["newsroom.SectionPage"]
    subpage_types: list[str] = []
    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst", boost=2),
        index.SearchField("body"),
        index.SearchField("topic_terms", boost=2),
        index.SearchField("byline_names"),
        index.FilterField("first_published_at"),
        index.FilterField("live"),
    ]

    class Meta:
        verbose_name = "article"

    def clean(self) -> None:
        super().clean()
        if self.slug == SECTION_ROUTE:
            raise ValidationError(
                {"slug": f"“{SECTION_ROUTE}” is the address of the section’s feed."}
            )
        if self.lead_image_caption and not self.lead_image:
            raise ValidationError({"lead_image_caption": "A caption needs a lead image."})

    @cached_property
    def section(self) -> "SectionPage":
        return SectionPage.objects.get(path=self.path[: -self.steplen])

    def topic_terms(self) -> str:
        return " ".join(name for topic in self.topics.all() for name in topic.all_names)

    def byline_names(self) -> str:
        return " ".join(byline.display_name for byline in self.bylines.all())

    @property
    def date_modified(self):
        """The last change readers were told about: a correction or update, else publication."""
        published = self.first_published_at or timezone.now()
        entries = [entry.at for entry in self.corrections.all()]
        return max([published, *entries])

    @property
    def approved_comment_count(self) -> int:
        """Approved comments; 0 before anyone has commented (no thread row yet)."""
        thread = getattr(self, "comment_thread", None)  # for_listing() selects it
        return thread.approved_count if thread else 0

    @property
    def body_text(self) -> str:
        """The body as plain text, paragraphs kept apart."""
        return plain_text(self.body)

    @property
    def summary(self) -> str:
        if self.standfirst:
            return self.standfirst
        # Listings load only the start of the body (ArticlePageQuerySet.for_listing).
        source = self.body_start if hasattr(self, "body_start") else self.body
        return Truncator(plain_text(source)).words(40)

    @property
    def image_credit(self) -> str:
        return self.lead_image_credit or (self.lead_image.credit if self.lead_image else "")

    def cache_tags(self) -> set[str]:
        return {f"page:{self.pk}", f"comments:{self.pk}"}

    def serve(self, request, *args, **kwargs):
        response = super().serve(request, *args, **kwargs)
        return tag_response(response, tags=self.cache_tags(), last_modified=self.last_published_at)

    def get_context(self, request, *args, **kwargs):
        from . import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.article_page(article=self, request=request))
        return context


class ArticleByline(Orderable):
    """A byline: a staff author, or a guest named here who has no profile."""

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="bylines")
    author = models.ForeignKey(
        Author, null=True, blank=True, on_delete=models.PROTECT, related_name="bylines"
    )
    guest_name = models.CharField(max_length=120, blank=True)
    guest_affiliation = models.CharField(max_length=120, blank=True)
    role = models.CharField(max_length=80, blank=True, help_text="“Additional reporting”.")

    panels = [
        FieldPanel("author"),
        FieldPanel("guest_name"),
        FieldPanel("guest_affiliation"),
        FieldPanel("role"),
    ]

    class Meta(Orderable.Meta):
        constraints = [
            models.CheckConstraint(
                condition=(Q(author__isnull=False) & Q(guest_name=""))
                | (Q(author__isnull=True) & ~Q(guest_name="")),
                name="byline_author_or_guest",
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        if bool(self.author_id) == bool(self.guest_name.strip()):
            raise ValidationError("Choose an author or type a guest name, not both.")

    @property
    def display_name(self) -> str:
        return self.author.name if self.author_id else self.guest_name


class ArticleCitation(Orderable):
    """A source an article relies on, with the link and note shown in its Sources panel."""

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    url = models.URLField("link", blank=True, help_text="The report or document cited.")
    note = models.CharField(
        max_length=300,
        blank=True,
        help_text="“A senior State Department official who asked not to be named”.",
    )

    panels = [FieldPanel("source"), FieldPanel("url"), FieldPanel("note")]

    def __str__(self) -> str:
        return self.source.name


class ArticleCorrection(models.Model):
    """A public, timestamped entry in an article's log of corrections and updates."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        CLARIFICATION = "clarification", "Clarification"
        UPDATE = "update", "Update"

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CORRECTION)
    at = models.DateTimeField("when", default=timezone.now)
    note = models.TextField(help_text="What changed and why.")

    panels = [FieldPanel("kind"), FieldPanel("at"), FieldPanel("note")]

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class ArticleSearchEntry(models.Model):
    """A live, public article as readers' search on PostgreSQL reads it (search.py).

    Written only by `actions.article_search_refresh`; empty on SQLite, where readers' search
    uses Wagtail's FTS5 index.
    """

    article = models.OneToOneField(
        ArticlePage, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    published_at = models.DateTimeField()
    lead = SearchVectorField()
    document = SearchVectorField()

    def __str__(self) -> str:
        return f"search entry for article {self.article_id}"
