from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views

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


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_settings_menu_item")
def register_outbox_menu_item():
    return SuperuserMenuItem(
        "Outbox (mail not sent)", reverse("core_outbox:index"), icon_name="mail", order=900
    )
