import html
import re

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.forms import TextInput
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import strip_tags
from django.utils.text import Truncator
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, TitleFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField
from wagtail.images.models import AbstractImage, AbstractRendition, Image
from wagtail.models import Orderable, Page, PageManager, PreviewableMixin
from wagtail.search import index
from wagtail.url_routing import RouteResult

from dateline.core.dates import scheduled_time
from dateline.core.pagecache import tag_response
from dateline.core.site_settings import CachedSiteSetting

from .design import (
    DEFAULT_ACCENT,
    Typeface,
    normalise_colour,
    validate_accent_colour,
    validate_menu_address,
)
from .forms import ArticlePageForm
from .panels import SchedulePanel
from .querysets import ArticlePageQuerySet
from .slugs import NameFieldPanel, PageSlugForm, UniqueSlugForm

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
class NewsroomSettings(PreviewableMixin, CachedSiteSetting, ClusterableModel, BaseSiteSetting):
    """Who publishes, and how the site looks: shown in the masthead, the admin's branding,
    feeds, JSON-LD and the Google News sitemap. Previewed on the front page or an article
    before it is saved; a save purges every cached page (CachedSiteSetting)."""

    name = models.CharField(max_length=100, default="Dateline")
    tagline = models.CharField(max_length=200, blank=True)
    language = models.CharField(
        max_length=10, default="en", help_text="BCP 47 code: en, en-GB, fr."
    )
    logo = models.ForeignKey(
        NewsImage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Shown on the admin's sign-in page and sidebar, and in articles' JSON-LD.",
    )
    twitter_handle = models.CharField(max_length=16, blank=True, help_text="Without the @.")
    accent_colour = models.CharField(
        max_length=7,
        default=DEFAULT_ACCENT,
        validators=[validate_accent_colour],
        help_text="Section labels, the current section, the masthead's rule and buttons. "
        "It must contrast by at least 4.5:1 (WCAG AA) with the white page, and with the "
        "white text of buttons.",
    )
    typeface = models.CharField(
        "type",
        max_length=20,
        choices=Typeface.choices,
        default=Typeface.CLASSIC,
        help_text="Fonts already on readers' devices: nothing is downloaded.",
    )

    # Kept with the settings under the site tag: every article's JSON-LD shows the logo.
    select_related = ["logo"]

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("name"),
                FieldPanel("tagline"),
                FieldPanel("language"),
                FieldPanel("twitter_handle"),
            ],
            heading="Newsroom",
        ),
        MultiFieldPanel(
            [
                FieldPanel("logo"),
                FieldPanel("accent_colour", widget=TextInput(attrs={"type": "color"})),
                FieldPanel("typeface"),
            ],
            heading="Design",
        ),
        InlinePanel(
            "header_menu_items",
            heading="Header menu",
            label="Link",
            help_text="Replaces the list of sections in the masthead. While it is empty, the "
            "top-level sections whose “Show in menus” is ticked are listed.",
        ),
        InlinePanel(
            "footer_menu_items",
            heading="Footer menu",
            label="Link",
            help_text="Shown above the archive and feed links.",
        ),
    ]

    class Meta:
        verbose_name = "newsroom"

    def clean(self) -> None:
        super().clean()
        self.accent_colour = normalise_colour(self.accent_colour) or self.accent_colour

    @property
    def preview_modes(self):
        return [("", "Front page"), ("article", "Latest article")]

    def serve_preview(self, request, mode_name):
        """The front page or the latest article as these settings, unsaved, would show
        them: Wagtail hands this instance to the page's templates on the request."""
        from .selectors import design_preview_page

        page = design_preview_page(site=self.site, mode=mode_name)
        return page.serve_preview(request, page.default_preview_mode)


class MenuItem(Orderable):
    """A link of a menu: to a page (named by its title unless labelled) or to an address."""

    link_page = models.ForeignKey(
        Page, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name="page"
    )
    link_url = models.CharField(
        "address",
        max_length=500,
        blank=True,
        validators=[validate_menu_address],
        help_text="Instead of a page: https://… or a path on this site, such as /archive/.",
    )
    label = models.CharField(
        max_length=60, blank=True, help_text="Shown in the menu; a page's title if left empty."
    )

    panels = [FieldPanel("link_page"), FieldPanel("link_url"), FieldPanel("label")]

    class Meta(Orderable.Meta):
        abstract = True

    def __str__(self) -> str:
        page = self.link_page
        return self.label or (page.title if page is not None else self.link_url)

    def clean(self) -> None:
        super().clean()
        if self.link_page_id and self.link_url.strip():
            raise ValidationError({"link_url": "Choose a page or type an address, not both."})
        if not self.link_page_id and not self.link_url.strip():
            raise ValidationError({"link_page": "Choose a page, or type an address and a label."})
        if self.link_url and not self.label.strip():
            raise ValidationError({"label": "An address needs a label to show in the menu."})


class HeaderMenuItem(MenuItem):
    settings = ParentalKey(
        NewsroomSettings, on_delete=models.CASCADE, related_name="header_menu_items"
    )


class FooterMenuItem(MenuItem):
    settings = ParentalKey(
        NewsroomSettings, on_delete=models.CASCADE, related_name="footer_menu_items"
    )


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
        NameFieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("role"),
        FieldPanel("bio"),
        FieldPanel("photo"),
        FieldPanel("website"),
        FieldPanel("user"),
    ]
    # The admin's searches autocomplete (snippet listing, choosers, the Authors search area).
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.AutocompleteField("role"),
        index.AutocompleteField("bio"),
    ]

    base_form_class = UniqueSlugForm

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("newsroom:author", args=[self.slug])

    def slug_taken(self, slug: str) -> bool:
        return Author.objects.filter(slug=slug).exclude(pk=self.pk).exists()


class Topic(index.Indexed, ClusterableModel):
    """A subject followed across sections; its aliases lead to the same articles."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    panels = [
        NameFieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        InlinePanel(
            "aliases",
            heading="Aliases",
            label="Alias",
            help_text="Other names readers use: “ISIL”, “Islamic State”.",
        ),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.AutocompleteField("description"),
        index.RelatedFields("aliases", [index.AutocompleteField("name")]),
    ]
    base_form_class = UniqueSlugForm

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.slug and TopicAlias.objects.filter(slug=self.slug).exclude(topic=self.pk).exists():
            raise ValidationError({"slug": "Another topic already uses this as an alias."})

    def get_absolute_url(self) -> str:
        return reverse("newsroom:topic", args=[self.slug])

    def slug_taken(self, slug: str) -> bool:
        """Topics and aliases share one space of addresses (/topics/<slug>/)."""
        others = Topic.objects.filter(slug=slug).exclude(pk=self.pk)
        return others.exists() or TopicAlias.objects.filter(slug=slug).exists()

    @property
    def all_names(self) -> list[str]:
        return [self.name, *(alias.name for alias in self.aliases.all())]


class TopicAlias(Orderable):
    topic = ParentalKey(Topic, on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)

    panels = [NameFieldPanel("name"), FieldPanel("slug")]

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
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.AutocompleteField("description"),
        index.AutocompleteField("url"),
    ]

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
# Wagtail's go-live and expiry dates, with the editor's time zone (panels.SchedulePanel).
SCHEDULED_SETTINGS_PANELS = [SchedulePanel(), *Page.settings_panels[1:]]


class ScheduledStatusMixin:
    """A page's admin status says when it is scheduled: "scheduled for 3 Dec 2026 09:00 UTC"
    (page listings, dashboards, choosers), in the editor's time zone."""

    @property
    def status_string(self) -> str:
        status = super().status_string  # type: ignore[misc]
        if self.approved_schedule and self.scheduled_go_live_at:  # type: ignore[attr-defined]
            return f"{status} for {scheduled_time(self.scheduled_go_live_at)}"
        return status

    @cached_property
    def scheduled_go_live_at(self):
        """When the approved schedule publishes the page, or None."""
        revision = self.scheduled_revision  # type: ignore[attr-defined]
        return revision.approved_go_live_at if revision else None


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
    base_form_class = PageSlugForm

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


class SectionPage(ScheduledStatusMixin, RoutablePageMixin, Page):
    """A section (“Middle East News”), nestable, with its landing page and feeds."""

    intro = models.TextField(blank=True)
    per_page = models.PositiveSmallIntegerField(default=20)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    settings_panels = [*SCHEDULED_SETTINGS_PANELS, FieldPanel("per_page")]
    parent_page_types = ["newsroom.HomePage", "newsroom.SectionPage"]
    subpage_types = ["newsroom.ArticlePage", "newsroom.SectionPage"]
    search_fields = [
        *Page.search_fields,
        index.SearchField("intro"),
        index.AutocompleteField("intro"),  # the admin's page search
    ]
    # A new section is listed in the masthead (selectors.nav_sections) until unticked.
    show_in_menus_default = True
    base_form_class = PageSlugForm

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


class ArticlePage(ScheduledStatusMixin, Page):
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

    base_form_class = ArticlePageForm  # PageSlugForm, with topics typed as tags
    content_panels = [
        TitleFieldPanel("title", heading="Headline", placeholder="Headline*"),
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
    settings_panels = SCHEDULED_SETTINGS_PANELS
    parent_page_types = ["newsroom.SectionPage"]
    subpage_types: list[str] = []
    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst", boost=2),
        index.SearchField("body"),
        index.SearchField("topic_terms", boost=2),
        index.SearchField("byline_names"),
        # The admin's page search autocompletes (wagtail.admin.views.pages.search); readers'
        # search never reads these.
        index.AutocompleteField("admin_search_text"),
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
        """The bylines' names as search words (a byline to show is `bylines.byline_text`)."""
        return " ".join(byline.display_name for byline in self.bylines.all())

    def admin_search_text(self) -> str:
        """What editors find the article by in the admin: headline, standfirst, body,
        dateline, bylines, sources cited and topics, as in its latest draft (a draft saved
        since the last publish is only in its revision)."""
        draft = self.get_latest_revision_as_object() if self.has_unpublished_changes else self
        words = [draft.title, draft.standfirst, draft.dateline_place, plain_text(draft.body)]
        for byline in draft.bylines.all():
            words += [byline.display_name, byline.guest_affiliation, byline.role]
        for citation in draft.citations.all():
            words += [citation.source.name, citation.note]
        words += [name for topic in draft.topics.all() for name in topic.all_names]
        return " ".join(word for word in words if word)

    @property
    def published_at(self):
        """When readers are told it was published: its first publication; for a draft or a
        scheduled page (a preview) when it is to go live, else the moment of the preview."""
        return self.first_published_at or self.go_live_at or self.previewed_at

    @cached_property
    def previewed_at(self):
        # One instant for the whole of a draft's preview: the page, its meta and its JSON-LD.
        return timezone.now()

    @property
    def date_modified(self):
        """The last change readers were told about: a correction or update, else publication."""
        entries = [entry.at for entry in self.corrections.all()]
        return max([self.published_at, *entries])

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
