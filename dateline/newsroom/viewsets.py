"""The newsroom's admin listings and choosers: Articles across sections, and the author and
source choosers that create what is missing without leaving the article."""

from django.db.models import CharField, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.forms import Select
from django.urls import reverse
from django.utils.functional import cached_property
from django_filters import ChoiceFilter, DateFromToRangeFilter, ModelChoiceFilter
from wagtail.admin.filters import DateRangePickerWidget
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.ui.tables.pages import (
    BulkActionsColumn,
    PageStatusColumn,
    PageTitleColumn,
    ParentPageColumn,
)
from wagtail.admin.views.pages.listing import (
    ExplorableIndexView,
    GenericPageFilterSet,
    IndexView,
    PageFilterSet,
)
from wagtail.admin.viewsets.pages import PageListingViewSet, PageViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.models import Page, Revision
from wagtail.snippets.views.chooser import SnippetChooserViewSet, SnippetCreateView

from . import actions
from .admin_views import NewArticleView, section_label
from .bylines import byline_text
from .models import ArticlePage, Author, SectionPage, Source


def scheduled_revisions():
    """The approved, scheduled revisions of the page of the outer query."""
    return Revision.page_revisions.filter(
        object_id=Cast(OuterRef("pk"), output_field=CharField()),
        approved_go_live_at__isnull=False,
    )


class Status:
    DRAFT = "draft"
    LIVE = "live"
    LIVE_DRAFT = "live+draft"
    SCHEDULED = "scheduled"
    CHOICES = [
        (DRAFT, "Draft"),
        (LIVE, "Live"),
        (LIVE_DRAFT, "Live + draft"),
        (SCHEDULED, "Scheduled"),
    ]

    @staticmethod
    def condition(value: str) -> Q:
        scheduled = Q(Exists(scheduled_revisions()))
        conditions: dict[str, Q] = {
            Status.DRAFT: Q(live=False, expired=False) & ~scheduled,
            Status.LIVE: Q(live=True, has_unpublished_changes=False),
            Status.LIVE_DRAFT: Q(live=True, has_unpublished_changes=True),
            Status.SCHEDULED: scheduled,
        }
        return conditions[value]


class SectionFilter(ModelChoiceFilter):
    """Articles anywhere under the section, its subsections included."""

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(path__startswith=value.path, depth__gt=value.depth)


class ArticleFilterSet(PageFilterSet):
    section = SectionFilter(
        label="Section",
        queryset=SectionPage.objects.order_by("path"),
        empty_label="Any section",
        widget=Select,
    )
    author = ModelChoiceFilter(
        label="Author",
        field_name="bylines__author",
        distinct=True,
        queryset=Author.objects.filter(bylines__isnull=False).distinct(),
        empty_label="Any author",
        widget=Select,
    )
    status = ChoiceFilter(
        label="Status", choices=Status.CHOICES, method="filter_status", empty_label="Any"
    )
    scheduled = DateFromToRangeFilter(
        label="Scheduled for", widget=DateRangePickerWidget, method="filter_scheduled"
    )

    class Meta:
        model = ArticlePage
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["section"].field.label_from_instance = section_label

    def filter_status(self, queryset, name, value):
        return queryset.filter(Status.condition(value)) if value else queryset

    def filter_scheduled(self, queryset, name, value):
        revisions = scheduled_revisions()
        if value.start:
            revisions = revisions.filter(approved_go_live_at__gte=value.start)
        if value.stop:
            revisions = revisions.filter(approved_go_live_at__lte=value.stop)
        return queryset.filter(Exists(revisions)) if value.start or value.stop else queryset


class BylinesColumn(Column):
    def get_value(self, instance):
        return byline_text(instance.bylines.all())


class ArticleIndexView(IndexView):
    page_title = "Articles"
    add_item_label = "New article"

    def annotate_queryset(self, pages):
        # Fills ScheduledStatusMixin.scheduled_go_live_at, which the status tag shows
        # ("scheduled for 3 Dec 2026 09:00 UTC"), without a query per scheduled article.
        first_go_live = scheduled_revisions().order_by("approved_go_live_at")
        pages = pages.annotate(
            scheduled_go_live_at=Subquery(first_go_live.values("approved_go_live_at")[:1])
        ).prefetch_related("bylines__author")
        return super().annotate_queryset(pages)

    @cached_property
    def add_button(self):
        return HeaderButton(self.add_item_label, url=self.add_url, icon_name="plus")


class ArticleListingViewSet(PageListingViewSet):
    """Every article, whatever its section: the newsroom's list to work from."""

    model = ArticlePage
    name = "articles"
    icon = "doc-full-inverse"
    menu_label = "Articles"
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = ArticleIndexView
    choose_parent_view_class = NewArticleView
    filterset_class = ArticleFilterSet
    ordering = "-latest_revision_created_at"
    columns = [
        BulkActionsColumn("bulk_actions"),
        PageTitleColumn("title", label="Headline", sort_key="title", classname="title"),
        ParentPageColumn("parent", label="Section"),
        BylinesColumn("bylines", label="Bylines"),
        PageStatusColumn("status", label="Status", sort_key="live", width="20%"),
        DateColumn(
            "latest_revision_created_at",
            label="Updated",
            sort_key="latest_revision_created_at",
            width="12%",
        ),
    ]


def new_article_url(section: SectionPage) -> str:
    return reverse("wagtailadmin_pages:add", args=["newsroom", "articlepage", section.pk])


class SectionExploreView(ExplorableIndexView):
    """A section's pages, under a labelled “New article” beside the “+” (an article or a
    subsection)."""

    add_item_label = "Add an article or a subsection"

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.permissions.can_add_subpage():
            label = "New article"
            url = new_article_url(self.parent_page)
            buttons.insert(0, HeaderButton(label, url=url, icon_name="doc-full-inverse"))
        return buttons


class SectionPageViewSet(PageViewSet):
    """Wagtail's views of a section, but exploring one lists all its pages (articles and
    subsections) under SectionExploreView's header."""

    model = SectionPage
    parent_models = [SectionPage]
    index_view_class = SectionExploreView
    filterset_class = GenericPageFilterSet

    @cached_property
    def index_view(self):
        return self.construct_view(self.index_view_class, **self.get_index_view_kwargs(model=Page))

    @cached_property
    def index_results_view(self):
        kwargs = self.get_index_view_kwargs(model=Page)
        return self.construct_view(self.index_view_class, **kwargs, results_only=True)


class AuthorCreateView(SnippetCreateView):
    def save_form(self, form):
        return actions.author_create(**form.cleaned_data)


class AuthorChooserViewSet(SnippetChooserViewSet):
    """The author chooser, with a form to add a profile (name and role; the slug follows)."""

    form_fields = ["name", "role"]
    create_view_class = AuthorCreateView
    create_action_label = "Add author"
    creation_tab_label = "New author"


class SourceCreateView(SnippetCreateView):
    def save_form(self, form):
        return actions.source_create(**form.cleaned_data)


class SourceCreationForm(WagtailAdminModelForm):
    class Meta:
        model = Source
        fields = ["name", "kind", "url", "description"]

    def clean(self):
        cleaned_data = super().clean()
        name, kind = cleaned_data.get("name"), cleaned_data.get("kind")
        existing = Source.objects.filter(name__iexact=name, kind=kind).first() if name else None
        if existing is not None:
            self.add_error("name", f"“{existing}” is there already: choose it under Search.")
        return cleaned_data


class SourceChooserViewSet(SnippetChooserViewSet):
    creation_form_class = SourceCreationForm
    create_view_class = SourceCreateView
    create_action_label = "Add source"
    creation_tab_label = "New source"
