from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Newsletter


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
