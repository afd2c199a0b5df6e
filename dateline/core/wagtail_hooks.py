from django.urls import include, path, reverse
from wagtail import hooks

from . import views
from .admin_menu import PermissionMenuItem

outbox_urls = (
    [
        path("", views.outbox_index, name="index"),
        path("<id:pk>/", views.outbox_detail, name="detail"),
        path("<id:pk>/html/", views.outbox_html, name="html"),
    ],
    "core_outbox",
)


mail_queue_urls = (
    [
        path("", views.mail_queue, name="index"),
        path("send-again/", views.mail_send_again, name="send_again"),
    ],
    "core_mail",
)


@hooks.register("register_admin_urls")
def register_outbox_urls():
    return [path("outbox/", include(outbox_urls)), path("mail/", include(mail_queue_urls))]


@hooks.register("register_settings_menu_item")
def register_outbox_menu_item():
    # Readers' mail: superusers only.
    return PermissionMenuItem(
        "Outbox (mail not sent)", reverse("core_outbox:index"), icon_name="mail", order=900
    )


@hooks.register("register_settings_menu_item")
def register_mail_queue_menu_item():
    # Readers' addresses and what went wrong with their mail: superusers only.
    return PermissionMenuItem("Mail queue", reverse("core_mail:index"), icon_name="mail", order=901)
