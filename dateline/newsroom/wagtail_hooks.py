from django.templatetags.static import static
from django.urls import path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from dateline.core.admin_search import PermissionSearchArea, model_permissions

from . import admin_views
from .models import Author, Source, Topic
from .viewsets import (
    ArticleListingViewSet,
    AuthorChooserViewSet,
    SectionPageViewSet,
    SourceChooserViewSet,
)

# The listings search the models' AutocompleteFields (name, role, bio, aliases ...): a
# viewset's `search_fields` would make SQLite's index look for a column it lacks.


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    list_display = ["name", "role", "slug"]
    chooser_viewset_class = AuthorChooserViewSet


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    list_display = ["name", "slug"]


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "openquote"
    list_display = ["name", "kind", "url"]
    list_filter = ["kind"]
    chooser_viewset_class = SourceChooserViewSet


class NewsroomViewSetGroup(SnippetViewSetGroup):
    menu_label = "Newsroom"
    menu_icon = "doc-full"
    menu_order = 200
    items = (AuthorViewSet, TopicViewSet, SourceViewSet)


register_snippet(NewsroomViewSetGroup)


def snippet_search_area(model, label: str, *, order: int) -> PermissionSearchArea:
    return PermissionSearchArea(
        label,
        reverse(model.snippet_viewset.get_url_name("list")),
        name=model._meta.model_name,
        icon_name=model.snippet_viewset.icon,
        order=order,
        permissions=model_permissions(model),
    )


@hooks.register("register_admin_search_area")
def register_authors_search_area():
    return snippet_search_area(Author, "Authors", order=150)


@hooks.register("register_admin_search_area")
def register_topics_search_area():
    return snippet_search_area(Topic, "Topics", order=160)


@hooks.register("register_admin_search_area")
def register_sources_search_area():
    return snippet_search_area(Source, "Sources", order=170)


article_listing_viewset = ArticleListingViewSet()
section_page_viewset = SectionPageViewSet()


@hooks.register("register_admin_viewset")
def register_article_listing():
    return article_listing_viewset


@hooks.register("register_admin_viewset")
def register_section_pages():
    return section_page_viewset


@hooks.register("register_admin_menu_item")
def register_new_article_menu_item():
    return MenuItem(
        "New article",
        reverse("articles:choose_parent"),
        name="new-article",
        icon_name="plus",
        order=151,
    )


class WritePanel(Component):
    """The dashboard's way in for writers: a new article, or the list of them all."""

    name = "write"
    order = 50
    template_name = "newsroom/admin/write_panel.html"

    def get_context_data(self, parent_context=None):
        return {
            "new_article_url": reverse("articles:choose_parent"),
            "articles_url": reverse("articles:index"),
        }


@hooks.register("construct_homepage_panels")
def add_write_panel(request, panels):
    panels.insert(0, WritePanel())


@hooks.register("register_admin_urls")
def register_topic_suggestions_url():
    return [
        path(
            "newsroom/topics/suggestions/",
            admin_views.topic_suggestions,
            name="newsroom_topic_suggestions",
        )
    ]


@hooks.register("insert_global_admin_css")
def schedule_dialog_css():
    """The scheduling dialog's calendars leave "Save schedule" uncovered (panels.py)."""
    return format_html('<link rel="stylesheet" href="{}">', static("newsroom/admin/schedule.css"))


@hooks.register("insert_editor_js")
def schedule_dialog_js():
    """A saved schedule survives closing the scheduling dialog (schedule.js)."""
    return format_html('<script src="{}" defer></script>', static("newsroom/admin/schedule.js"))
