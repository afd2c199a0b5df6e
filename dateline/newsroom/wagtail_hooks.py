from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from .models import Author, Source, Topic


class AuthorViewSet(SnippetViewSet):
    model = Author
    icon = "user"
    list_display = ["name", "role", "slug"]
    search_fields = ["name"]


class TopicViewSet(SnippetViewSet):
    model = Topic
    icon = "tag"
    list_display = ["name", "slug"]
    search_fields = ["name"]


class SourceViewSet(SnippetViewSet):
    model = Source
    icon = "openquote"
    list_display = ["name", "kind", "url"]
    list_filter = ["kind"]
    search_fields = ["name"]


class NewsroomViewSetGroup(SnippetViewSetGroup):
    menu_label = "Newsroom"
    menu_icon = "doc-full"
    menu_order = 200
    items = (AuthorViewSet, TopicViewSet, SourceViewSet)


register_snippet(NewsroomViewSetGroup)
