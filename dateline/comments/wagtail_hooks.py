from django.templatetags.static import static
from django.urls import include, path, reverse
from django.utils.html import format_html
from wagtail import hooks
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.sidebar import LinkMenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button

from dateline.core.admin_menu import PermissionMenuItem
from dateline.core.admin_search import PermissionSearchArea

from . import admin_urls, admin_views, selectors
from .models import SectionCommentPolicy


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [path("comments/", include(admin_urls))]


def waiting(count: int) -> str:
    return f"{count} comment{'s' if count != 1 else ''} waiting"


class ModerationMenuItem(PermissionMenuItem):
    """ "Comments" with a badge of how many wait (one count query per admin page).

    The sidebar is drawn by Wagtail's scripts from the item's label and attributes only, so
    the badge is the `data-comments-pending` attribute, drawn by comments/admin/desk.css;
    the accessible name carries the count. Items are kept between requests: the attributes
    are made anew for each.
    """

    def render_component(self, request):
        count = selectors.pending_count(request)
        attrs = {
            **self.attrs,
            "data-comments-pending": str(count),
            "aria-label": f"{self.label} ({waiting(count)})" if count else str(self.label),
        }
        return LinkMenuItem(
            self.name,
            self.label,
            self.url,
            icon_name=self.icon_name,
            classname=self.classname,
            attrs=attrs,
        )


@hooks.register("insert_global_admin_css")
def moderation_badge_css():
    return format_html('<link rel="stylesheet" href="{}">', static("comments/admin/desk.css"))


class WaitingCommentsPanel(Component):
    """The dashboard's "N comments waiting", linking to the queue."""

    name = "comments_waiting"
    template_name = "comments/admin/home_panel.html"
    order = 50

    def get_context_data(self, parent_context):
        request = parent_context["request"]
        count = selectors.pending_count(request)
        return {"count": count, "waiting": waiting(count), "queue": reverse("comments_admin:queue")}


@hooks.register("construct_homepage_panels")
def add_waiting_comments_panel(request, panels):
    if request.user.has_perm(admin_views.MODERATE):
        panels.append(WaitingCommentsPanel())


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return ModerationMenuItem(
        "Comments",
        reverse("comments_admin:queue"),
        icon_name="comment",
        order=250,
        permission=admin_views.MODERATE,
    )


class SectionCommentPolicyViewSet(ModelViewSet):
    model = SectionCommentPolicy
    icon = "comment"
    menu_label = "Section comment policies"
    add_to_settings_menu = True
    list_display = ["section", "moderation", "trusted_after", "hold_links", "close_after_days"]


@hooks.register("register_admin_viewset")
def register_section_policy_viewset():
    return SectionCommentPolicyViewSet("section_comment_policies")


@hooks.register("register_page_header_buttons")
def comments_button(page, user, view_name, next_url=None):
    if page.specific_class.__name__ == "ArticlePage" and user.has_perm(admin_views.MODERATE):
        yield Button(
            "Comments",
            reverse("comments_admin:queue") + f"?status=approved&article={page.pk}",
            icon_name="comment",
            priority=60,
        )


@hooks.register("register_admin_search_area")
def register_comments_search_area():
    # Its listing filters by `?q=`, as the page search hands it on.
    return PermissionSearchArea(
        "Comments",
        reverse("comments_admin:queue"),
        name="comments",
        icon_name="comment",
        order=250,
        permissions=[admin_views.MODERATE],
    )
