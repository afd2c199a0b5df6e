from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, reverse
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import DeleteView
from wagtail.admin.viewsets.model import ModelViewSet

from dateline.core.admin_menu import PermissionMenuItem
from dateline.core.admin_search import PermissionSearchArea

from . import actions, admin_urls, admin_views, campaign_views
from .models import Campaign, Newsletter


@hooks.register("register_admin_urls")
def register_list_urls():
    return [path("mailing-list/", include(admin_urls))]


@hooks.register("register_admin_menu_item")
def register_subscribers_menu_item():
    return PermissionMenuItem(
        "Subscribers",
        reverse("newsletter_admin:subscribers"),
        icon_name="group",
        order=255,
        permission=admin_views.MANAGE_LIST,
    )


@hooks.register("register_admin_menu_item")
def register_sends_menu_item():
    return PermissionMenuItem(
        "Newsletter sends",
        reverse("newsletter_admin:campaigns"),
        icon_name="mail",
        order=256,
        permission=campaign_views.SEND,
    )


class CampaignDeleteView(DeleteView):
    """Drafts and scheduled sends only (actions.campaign_delete decides)."""

    def dispatch(self, request, *args, **kwargs):
        if self.object.status not in {Campaign.Status.DRAFT, Campaign.Status.SCHEDULED}:
            return self.refused("A send that has started cannot be deleted; cancel it.")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except actions.CampaignError as refusal:  # it started since the page was shown
            return self.refused(str(refusal))

    def delete_action(self):
        actions.campaign_delete(campaign=self.object, by=self.request.user)

    def refused(self, message: str):
        messages.error(self.request, message)
        return redirect(campaign_views.issue_url(self.object))


class CampaignViewSet(ModelViewSet):
    """An issue's one page (its edit view): compose, preview, test, send, then its progress."""

    model = Campaign
    icon = "mail"
    menu_label = "Newsletter issues"
    add_to_admin_menu = False
    list_display = [
        "subject",
        "newsletter",
        "kind",
        Column("status_label", label="Status", sort_key="status"),
        "created_at",
    ]
    list_filter = ["status", "kind", "newsletter"]
    add_view_class = campaign_views.IssueCreateView
    edit_view_class = campaign_views.IssueEditView
    delete_view_class = CampaignDeleteView
    create_template_name = "newsletter/admin/issue_create.html"
    edit_template_name = "newsletter/admin/issue.html"

    def get_queryset(self, request):
        return Campaign.objects.select_related("newsletter")


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


@hooks.register("register_admin_viewset")
def register_campaign_viewset():
    return CampaignViewSet("newsletter_issues")


@hooks.register("register_admin_search_area")
def register_subscribers_search_area():
    # Its listing filters by `?q=`, as the page search hands it on.
    return PermissionSearchArea(
        "Subscribers",
        reverse("newsletter_admin:subscribers"),
        name="subscribers",
        icon_name="group",
        order=260,
        permissions=[admin_views.MANAGE_LIST],
    )
