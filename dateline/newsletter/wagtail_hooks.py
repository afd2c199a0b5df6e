from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from dateline.core.admin_menu import PermissionMenuItem

from . import admin_views
from .models import Newsletter

list_urls = (
    [
        path("", admin_views.subscribers, name="subscribers"),
        path("export.csv", admin_views.export_csv, name="export"),
        path("import/", admin_views.import_csv, name="import"),
        path("suppression/", admin_views.suppression, name="suppression"),
        path("suppression/<int:pk>/remove/", admin_views.unsuppress, name="unsuppress"),
    ],
    "newsletter_admin",
)


@hooks.register("register_admin_urls")
def register_list_urls():
    return [path("mailing-list/", include(list_urls))]


@hooks.register("register_admin_menu_item")
def register_subscribers_menu_item():
    return PermissionMenuItem(
        "Subscribers",
        reverse("newsletter_admin:subscribers"),
        icon_name="group",
        order=255,
        permission=admin_views.MANAGE_LIST,
    )


class NewsletterViewSet(ModelViewSet):
    model = Newsletter
    icon = "mail"
    menu_label = "Newsletters"
    add_to_admin_menu = True
    menu_order = 260
    list_display = ["name", "kind", "section", "is_active", "selected_by_default", "position"]


@hooks.register("register_admin_viewset")
def register_newsletter_viewset():
    return NewsletterViewSet("newsletters")
