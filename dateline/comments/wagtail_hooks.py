from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets import Button

from dateline.core.admin_menu import PermissionMenuItem

from . import admin_views
from .models import SectionCommentPolicy

moderation_urls = (
    [
        path("", admin_views.queue, name="queue"),
        path("bulk/", admin_views.bulk, name="bulk"),
        path("<id:pk>/", admin_views.detail, name="detail"),
        path("bans/", admin_views.bans, name="bans"),
        path("bans/<id:pk>/lift/", admin_views.ban_lift, name="ban_lift"),
        path("thread/<id:article_id>/", admin_views.thread_state, name="thread_state"),
        path("log/", admin_views.log, name="log"),
    ],
    "comments_admin",
)


@hooks.register("register_admin_urls")
def register_moderation_urls():
    return [path("comments/", include(moderation_urls))]


@hooks.register("register_admin_menu_item")
def register_moderation_menu_item():
    return PermissionMenuItem(
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
