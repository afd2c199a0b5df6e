from django.urls import include, path, reverse
from wagtail import hooks

from . import views
from .admin_menu import PermissionMenuItem

outbox_urls = (
    [
        path("", views.outbox_index, name="index"),
        path("<int:pk>/", views.outbox_detail, name="detail"),
        path("<int:pk>/html/", views.outbox_html, name="html"),
    ],
    "core_outbox",
)


@hooks.register("register_admin_urls")
def register_outbox_urls():
    return [path("outbox/", include(outbox_urls))]


@hooks.register("register_settings_menu_item")
def register_outbox_menu_item():
    # Readers' mail: superusers only.
    return PermissionMenuItem(
        "Outbox (mail not sent)", reverse("core_outbox:index"), icon_name="mail", order=900
    )
